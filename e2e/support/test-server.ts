/**
 * The e2e tests' receiving end: serves the built library and the fixture pages, records every
 * beacon per site, and injects faults on request (scripted statuses, aborted connections,
 * Retry-After, body size limits). Each test uses its own site id, so tests running in parallel
 * never see each other's beacons. Listens on two ports so pages can post cross-origin.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

// E2E_PORT moves both ports, so that two runs can share a machine.
export const PAGE_PORT = Number(process.env.E2E_PORT) || 4317;
export const OTHER_PORT = PAGE_PORT + 1;
const ROOT = join(import.meta.dirname, '..', '..');

interface Received {
  at: number;
  port: number;
  contentType: string;
  origin: string;
  bytes: number;
  status: number;
  body: unknown;
}

/** Faults for a site, consumed one per beacon: a status, 'abort' (destroy the socket), or 'ok'. */
interface Script {
  steps: (number | 'abort' | 'ok')[];
  retryAfter?: string;
  maxBytes?: number;
  delayMs?: number;
}

const received = new Map<string, Received[]>();
const scripts = new Map<string, Script>();

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
};

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const cors = (req: IncomingMessage, res: ServerResponse) => {
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin || '*');
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
  res.setHeader('Vary', 'Origin');
};

async function handle(req: IncomingMessage, res: ServerResponse, port: number) {
  const url = new URL(req.url!, `http://${req.headers.host}`);
  const path = url.pathname;

  const beacon = path.match(/^\/v4\/([^/]+)$/);
  if (beacon && req.method == 'OPTIONS') {
    cors(req, res);
    res.setHeader('Access-Control-Allow-Methods', 'POST');
    res.writeHead(204).end();
    return;
  }
  if (beacon && req.method == 'POST') {
    const site = decodeURIComponent(beacon[1]);
    const text = await readBody(req);
    const script = scripts.get(site);
    const step = script?.steps.shift() ?? 'ok';
    if (script?.delayMs) await new Promise((r) => setTimeout(r, script.delayMs));
    const bytes = Buffer.byteLength(text);
    let status = step == 'ok' ? 200 : step == 'abort' ? 0 : step;
    if (script?.maxBytes && bytes > script.maxBytes) status = 413;
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // recorded as text
    }
    const list = received.get(site) ?? [];
    received.set(site, list);
    list.push({ at: Date.now(), port, contentType: req.headers['content-type'] || '', origin: req.headers.origin || '', bytes, status, body });
    if (status == 0) {
      req.socket.destroy();
      return;
    }
    cors(req, res);
    if (status != 200 && script?.retryAfter) res.setHeader('Retry-After', script.retryAfter);
    res.writeHead(status, { 'Content-Type': 'application/json' });
    const events = (body as { events?: { id: string }[] })?.events ?? [];
    res.end(status == 200 ? JSON.stringify({ accepted: events.length, duplicates: 0, rejected: [] }) : '{}');
    return;
  }

  const control = path.match(/^\/__(beacons|script|reset)\/([^/]+)$/);
  if (control) {
    const site = decodeURIComponent(control[2]);
    if (control[1] == 'script') scripts.set(site, JSON.parse(await readBody(req)));
    if (control[1] == 'reset') {
      scripts.delete(site);
      received.delete(site);
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(received.get(site) ?? []));
    return;
  }

  if (path == '/__slow.js') {
    // A script that arrives late, as a tag manager's would.
    await new Promise((r) => setTimeout(r, Number(url.searchParams.get('ms') || 500)));
    res.writeHead(200, { 'Content-Type': TYPES['.js'] });
    res.end(await readFile(join(ROOT, 'dist', 'rejoiner.js')));
    return;
  }
  const module = path.match(/^\/(rejoiner-[a-z]+\.js)$/);
  if (module) {
    // The modules /__slow.js loads from its own folder, as a CDN serves them next to the script.
    res.writeHead(200, { 'Content-Type': TYPES['.js'], 'Access-Control-Allow-Origin': '*' });
    res.end(await readFile(join(ROOT, 'dist', module[1])));
    return;
  }

  const file = normalize(join(ROOT, path));
  if (!file.startsWith(ROOT) || !/^\/(dist|e2e\/fixtures)\/|^\/public\/tag-manager-recipe\.html$/.test(path)) {
    res.writeHead(404).end();
    return;
  }
  try {
    let content: Buffer | string = await readFile(file);
    if (extname(file) == '.html') {
      // Fixture pages take their site id (and endpoint port) from the URL: {{SITE}}, {{OTHER}}.
      content = content
        .toString('utf8')
        .replaceAll('{{SITE}}', (url.searchParams.get('site') || 'no-site').replace(/[^\w-]/g, ''))
        .replaceAll('{{OTHER}}', `http://127.0.0.1:${OTHER_PORT}`);
    }
    // CORS as a CDN would send it: rejoiner.js imports rejoiner-extensions.js, an ES module.
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] || 'application/octet-stream',
      'Cache-Control': 'no-store',
      'Access-Control-Allow-Origin': '*',
    });
    res.end(content);
  } catch {
    res.writeHead(404).end();
  }
}

for (const port of [PAGE_PORT, OTHER_PORT]) {
  createServer((req, res) => {
    handle(req, res, port).catch((error) => {
      console.error(error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  }).listen(port, '127.0.0.1');
}
console.log(`test server on http://127.0.0.1:${PAGE_PORT} and :${OTHER_PORT}`);
