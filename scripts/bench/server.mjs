/**
 * One loopback node:http server for everything the pages load: the pages, every tracker's script
 * and its own endpoints (settings, config, lazily loaded chunks, see peers.mjs), and a collector
 * that accepts every tracker's events and counts requests, bytes and benchmark events. Pages are
 * served cross-origin isolated (COOP + COEP), which gives `performance.now()` 5 us resolution
 * instead of 100 us. `intercept(context)` answers, locally, any request a page makes to another
 * host, so nothing leaves the machine.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { INPUTS, MARK } from './common.mjs';

/** What the collector saw since the last `take()`. */
class Log {
  hits = []; // { path, bytes, marks: Set }
  scripts = new Map(); // path -> body of each JS file served
  other = new Map(); // host -> requests answered by intercept()
  take() { const h = this.hits; this.hits = []; return h; }
  takeScripts() { const s = this.scripts; this.scripts = new Map(); return s; }
}

/** The benchmark marks in a collector body: JSON, form-encoded, base64 or gzip, as each tracker sends. */
function marksOf(body, search) {
  let buf = body;
  try { if (buf.length > 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf); } catch { /* not gzip after all: read as is */ }
  let text = buf.toString('utf8') + ' ' + decodeURIComponent(search || '');
  for (const b64 of text.match(/(?:data=)?[A-Za-z0-9+/=%]{40,}/g) || []) {
    try { text += Buffer.from(decodeURIComponent(b64.replace(/^data=/, '')), 'base64').toString('utf8'); } catch { /* not base64: the text is searched as is */ }
  }
  return new Set(text.match(new RegExp(`${MARK}-\\d+-`, 'g')) || []);
}

/** The page every scenario loads: harness marks, the peer's snippet, `queued` events pushed before it loads. */
export function pageHtml(peer, origin, { queued = 0, body = '' } = {}) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Product page</title>
<script>
window.__bench = function (n) { performance.mark('bench:' + n); if (window.__benchNotify) __benchNotify(n); };
document.addEventListener('load', function (e) { var t = e.target;
  if (t && t.tagName === 'SCRIPT' && t.src && t.src.indexOf('${peer.url}') >= 0) __bench('load'); }, true);
</script>
${peer.head(peer.url, origin)}
<script>for (var i = 1; i <= ${queued}; i++) __ev(i + 100000); ${peer.readyHook || ''}</script>
</head><body><h1>Product page</h1><p>A product.</p>${body}</body></html>`;
}

const FORM = (() => {
  let h = '<form id="big" action="/blank">';
  for (let i = 0; i < INPUTS - 1; i++) h += `<input type="text" name="field${i}">`;
  return h + '<input type="email" id="em" name="email" autocomplete="email"></form>';
})();

/** Starts the server; `peers` includes the control. Resolves to { origin, log, close, intercept }. */
export async function startServer(peers) {
  const log = new Log();
  const byId = new Map(peers.map((p) => [p.id, p]));
  let origin = '';

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://x');
      const path = url.pathname;
      const body = Buffer.concat(chunks);
      const headers = {
        'cache-control': 'no-store',
        'cross-origin-resource-policy': 'cross-origin',
        'access-control-allow-origin': req.headers.origin || '*',
        'access-control-allow-credentials': 'true',
        'access-control-allow-headers': req.headers['access-control-request-headers'] || '*',
        'access-control-allow-methods': 'GET,POST,OPTIONS',
      };
      const send = (status, type, data, extra = {}) => {
        res.writeHead(status, { 'content-type': type, ...headers, ...extra });
        res.end(data);
      };
      if (req.method === 'OPTIONS') return send(204, 'text/plain', '');
      // Pages: /page?peer=ID&q=N (the product page), /form?peer=ID (5,000 inputs), /blank.
      if (path === '/page' || path === '/form') {
        const peer = byId.get(url.searchParams.get('peer'));
        if (!peer) return send(404, 'text/plain', 'no such peer');
        const html = pageHtml(peer, origin, { queued: Number(url.searchParams.get('q') || 0), body: path === '/form' ? FORM : '' });
        return send(200, 'text/html; charset=utf-8', html, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
      }
      if (path === '/blank') return send(200, 'text/html; charset=utf-8', '<!doctype html><title>blank</title>');
      if (path === '/favicon.ico') return send(404, 'text/plain', '');
      if (path === '/empty.js') { log.scripts.set(path, Buffer.alloc(0)); return send(200, 'text/javascript', ''); }
      // A tracker's script, chunk or own endpoint.
      for (const peer of peers) {
        const r = peer.serve ? peer.serve(path, origin, peer) : path === peer.url && peer.file ? { type: 'text/javascript', body: readFileSync(peer.file) } : null;
        if (!r) continue;
        if (r.type === 'text/javascript') log.scripts.set(path, Buffer.from(r.body));
        return send(200, r.type, r.body);
      }
      // Anything else is a collector hit: ours POST /v4/{site}, Segment /seg/v1/*, Snowplow
      // /com.snowplowanalytics.snowplow/tp2, PostHog /e/ /i/v0/e/ /batch/, Rudder /v1/*,
      // Plausible /api/event. Payload = path and query + body (headers are left out: they depend
      // on the deployment, HTTP/2 compresses them, and on one loopback origin they would carry
      // every tracker's cookies).
      log.hits.push({ path, bytes: body.length + Buffer.byteLength(url.pathname + url.search), marks: marksOf(body, url.search) });
      if (process.env.BENCH_DEBUG) console.error(`  [collector] ${req.method} ${req.url.slice(0, 120)} ${body.length} B`);
      if (path.startsWith('/v4/')) {
        let n = 0;
        try { n = JSON.parse(body.toString('utf8')).events.length; } catch { /* not our batch: 0 accepted */ }
        return send(200, 'application/json', JSON.stringify({ accepted: n, duplicates: 0, rejected: [] }));
      }
      if (path === '/api/event') return send(202, 'text/plain', 'ok');
      return send(200, 'application/json', '{"status":1}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${server.address().port}`;

  /** Nothing may leave the machine: a request for any other host is answered here, and counted. */
  async function intercept(context) {
    await context.route((u) => !u.href.startsWith(origin + '/') && !/^(data|blob):/.test(u.href), (route) => {
      const host = new URL(route.request().url()).host;
      log.other.set(host, (log.other.get(host) || 0) + 1);
      return route.fulfill({ status: 204, body: '' });
    });
  }
  const close = () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); });
  return { origin, log, close, intercept };
}
