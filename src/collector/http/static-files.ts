/**
 * Serves files from a folder (the demo storefront, the built library, the dashboard's assets)
 * through `send`, which answers conditional requests (ETag, Last-Modified, 304), ranges and
 * HEAD. GET and HEAD only; the decoded path must stay inside the folder after resolving `..`
 * and symbolic links, and NUL bytes and dot-files are refused, so no request can read outside it.
 *
 * A file built with compressed copies beside it (`rejoiner.js.br`, `rejoiner.js.gz`, made by
 * `npm run build`) is answered with the best one the client accepts (brotli, then gzip), with
 * `Vary: Accept-Encoding`; each copy has its own ETag. A copy older than its file is stale (a
 * build that skipped compression, a hand-patched file) and is never sent.
 *
 * ETags are a hash of the bytes sent, not send's size-and-time: nodes that installed the same
 * files at different times answer a revalidation with the same 304.
 */
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import send from 'send';
import { reply } from './http-io';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** The content type of a file name; unknown kinds are sent as bytes. */
export const contentTypeOf = (name: string): string => TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';

/** Caching of a folder's answers. */
export interface ServeOptions {
  /** @default "no-cache" (stored, but revalidated by ETag before each use) */
  cacheControl?: string;
  /** Look for `.br` and `.gz` copies of the file. @default false */
  precompressed?: boolean;
}

/** The encodings the client accepts (q > 0), from `Accept-Encoding`. */
function acceptedEncodings(header: string | string[] | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of String(header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)).find(Boolean);
    if (name && (!q || Number(q[1]) > 0)) accepted.add(name);
  }
  return accepted;
}

const modifiedAt = async (path: string): Promise<number | undefined> => {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ? info.mtimeMs : undefined;
};

/** The file to send for `real`: a fresh compressed copy the client accepts, or the file itself. */
async function chooseVariant(req: IncomingMessage, real: string): Promise<{ path: string; encoding?: string; variants: boolean }> {
  const accepted = acceptedEncodings(req.headers['accept-encoding']);
  const source = (await modifiedAt(real)) ?? Infinity;
  let variants = false;
  for (const [encoding, suffix] of [['br', '.br'], ['gzip', '.gz']] as const) {
    const copy = await modifiedAt(real + suffix);
    if (copy === undefined || copy < source) continue;
    variants = true;
    if (accepted.has(encoding) || (encoding == 'gzip' && accepted.has('x-gzip'))) return { path: real + suffix, encoding, variants };
  }
  return { path: real, variants };
}

/** Content ETags by file, path and modification time; a few hundred files at most are served. */
const etags = new Map<string, string>();
const MAX_ETAGS = 1000;

async function contentEtag(path: string): Promise<string | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const key = `${path}\0${info.mtimeMs}\0${info.size}`;
  let tag = etags.get(key);
  if (!tag) {
    const bytes = await readFile(path).catch(() => undefined);
    if (!bytes) return undefined;
    tag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
    if (etags.size >= MAX_ETAGS) etags.delete(etags.keys().next().value!);
    etags.set(key, tag);
  }
  return tag;
}

/**
 * Serves `relativePath` (already percent-decoded, "/"-separated) from `root`. Resolves false
 * when there is no such file, so the caller can answer 404.
 */
export async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  relativePath: string,
  { cacheControl = 'no-cache', precompressed = false }: ServeOptions = {},
): Promise<boolean> {
  if (relativePath.includes('\0') || relativePath.split('/').some((part) => part.startsWith('.'))) return false;
  const base = await realpath(root).catch(() => undefined);
  if (!base) return false;
  let path = resolve(base, '.' + sep + relativePath.split('/').join(sep));
  const inside = (candidate: string): boolean => candidate == base || candidate.startsWith(base + sep);
  if (!inside(path)) return false;
  let info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) {
    path = join(path, 'index.html');
    info = await stat(path).catch(() => undefined);
  }
  if (!info?.isFile()) return false;
  const real = await realpath(path).catch(() => undefined); // a symlink may point outside
  if (!real || !inside(real)) return false;
  const variant = precompressed ? await chooseVariant(req, real) : { path: real, variants: false };
  const etag = await contentEtag(variant.path);

  await new Promise<void>((done) => {
    const stream = send(req, variant.path, { etag: true, lastModified: true, cacheControl: false, index: false, dotfiles: 'allow' });
    stream.on('headers', (response: ServerResponse) => {
      // Set before send looks at it: send then keeps it and compares If-None-Match with it.
      if (etag) response.setHeader('etag', etag);
      response.setHeader('content-type', contentTypeOf(real));
      response.setHeader('cache-control', cacheControl);
      response.setHeader('x-content-type-options', 'nosniff');
      // Shops load the library from this origin: rejoiner.js imports rejoiner-extensions.js, and
      // browsers fetch ES modules with CORS. Every file here is public anyway.
      response.setHeader('access-control-allow-origin', '*');
      if (variant.variants) response.setHeader('vary', 'Accept-Encoding');
      if (variant.encoding) response.setHeader('content-encoding', variant.encoding);
    });
    // A 304 or a 416 is written by send itself; only a file gone meanwhile comes here.
    stream.on('error', (error: { status?: number }) => {
      reply(res, error.status == 404 || error.status === undefined ? 404 : error.status, 'not found');
      done();
    });
    stream.on('end', done);
    res.on('close', done);
    stream.pipe(res);
  });
  return true;
}
