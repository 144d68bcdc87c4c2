/**
 * Serves files from a folder (the demo storefront, the built library, the inspector assets).
 * GET and HEAD only; the decoded path must stay inside the folder after resolving `..` and
 * symbolic links, and NUL bytes are refused, so no request can read outside it.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
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

/**
 * Serves `relativePath` (already percent-decoded, "/"-separated) from `root`. Resolves false
 * when there is no such file, so the caller can answer 404.
 */
export async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  relativePath: string,
): Promise<boolean> {
  if (relativePath.includes('\0')) return false;
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
  const headers = {
    'content-type': contentTypeOf(real),
    'content-length': String(info.size),
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    // Shops load the library from this origin: rejoiner.js imports rejoiner-extensions.js, and
    // browsers fetch ES modules with CORS. Every file here is public anyway.
    'access-control-allow-origin': '*',
  };
  if (req.method == 'HEAD') {
    res.writeHead(200, headers);
    res.end();
    return true;
  }
  const stream = createReadStream(real);
  stream.on('error', () => (res.headersSent ? res.destroy() : reply(res, 404, 'not found')));
  stream.once('open', () => {
    res.writeHead(200, headers);
    stream.pipe(res);
  });
  return true;
}
