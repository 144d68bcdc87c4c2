/**
 * What an operator sees of a running collector: JSON log lines for every refusal (request id,
 * status, site, reason; no query strings, no emails), /metrics with its access rule, /healthz and
 * /readyz, the snippet served compressed with ETag/304 under a stable and a versioned URL, and the
 * demo checkout posting its form.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_VERSION } from '../../src/collector/package-info';
import { IMMUTABLE_CACHE, STABLE_CACHE } from '../../src/collector/router';
import { batchBody, makeEvent, postBeacon, SHOP, startTestCollector, type TestCollector } from '../support/collector';

const ADMIN = 'admin-token-0123456789abcdefgh';
const SNIPPET = `/*! rejoiner */${'window._rejoiner=window._rejoiner||[];'.repeat(50)}`;

let collector: TestCollector;
let root: string;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'collector-ops-'));
  const distDir = join(root, 'dist');
  const publicDir = join(root, 'public');
  mkdirSync(distDir);
  mkdirSync(publicDir);
  writeFileSync(join(distDir, 'rejoiner.js'), SNIPPET);
  writeFileSync(join(distDir, 'rejoiner.js.gz'), gzipSync(SNIPPET));
  writeFileSync(join(distDir, 'rejoiner.js.br'), brotliCompressSync(SNIPPET));
  writeFileSync(join(distDir, 'plain.js'), 'plain()');
  writeFileSync(join(publicDir, 'thank-you.html'), '<!doctype html><title>thanks</title>');
  collector = await startTestCollector({
    distDir,
    publicDir,
    adminToken: ADMIN,
    logLevel: 'debug',
    log: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
});
afterAll(async () => {
  await collector.dispose();
  rmSync(root, { recursive: true, force: true });
});

/** A GET with headers exactly as given, the body as bytes (fetch would decode it). */
/**
 * A GET through node:http: fetch() turns a request with If-None-Match into a reload
 * (`Cache-Control: no-cache`, as the Fetch standard says), which a server must answer in full.
 */
const rawGet = (path: string, headers: Record<string, string> = {}, port = collector.port): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });

/** The log lines of one request, found by the id the answer carried. */
async function logOf(requestId: string | null): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const line = lines.find((entry) => entry.req == requestId);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no log line for request ${requestId}`);
}

describe('logs', () => {
  it('logs a refused beacon as JSON with its request id, status, site and reason', async () => {
    const response = await postBeacon(collector.url, batchBody([makeEvent()]), { origin: 'https://evil.example' });
    expect(response.status).toBe(403);
    const line = await logOf(response.headers.get('x-request-id'));
    expect(line).toMatchObject({ level: 'info', method: 'POST', path: `/v4/${SHOP.id}`, status: 403, site: SHOP.id, msg: 'request refused' });
    expect(String(line.reason)).toMatch(/origin https:\/\/evil\.example is not allowed/);
    expect(typeof line.time).toBe('string');
  });

  it('keeps a proxy\'s request id, and never logs a query string or an email', async () => {
    const response = await fetch(`${collector.url}/api/v2/${SHOP.id}/customers/jane.doe@example.com/?email=jane.doe@example.com&token=secret`, {
      headers: { 'x-request-id': 'proxy-id-42' },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-request-id')).toBe('proxy-id-42');
    const line = await logOf('proxy-id-42');
    expect(line).toMatchObject({ status: 401, path: `/api/v2/${SHOP.id}/customers/[email]/` });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('jane.doe');
    expect(text).not.toContain('token=secret');
  });

  it.each([
    ['an unknown site named by an email', (url: string) => postBeacon(url, batchBody([makeEvent()]), { site: 'jane.roe@example.com' })],
    ['an origin holding an email', (url: string) => postBeacon(url, batchBody([makeEvent()]), { origin: 'https://evil.example/jane.roe@example.com' })],
    ['an email encoded twice in a path', (url: string) => fetch(`${url}/api/v2/${SHOP.id}/customers/jane.roe%2540example.com/`)],
    ['an encoded email beside a malformed escape', (url: string) => fetch(`${url}/api/v2/${SHOP.id}/customers/jane.roe%40example.com/%zz`)],
  ])('never logs an email: %s', async (_case, send) => {
    const response = await send(collector.url);
    expect(response.status).toBeGreaterThanOrEqual(400);
    const line = await logOf(response.headers.get('x-request-id'));
    expect(JSON.stringify(line)).toContain('[email]');
    expect(JSON.stringify(line)).not.toMatch(/jane\.roe/);
  });

  it('logs accepted requests at debug level only', async () => {
    const response = await postBeacon(collector.url, batchBody([makeEvent()]));
    expect(response.status).toBe(200);
    expect(await logOf(response.headers.get('x-request-id'))).toMatchObject({ level: 'debug', status: 200, site: SHOP.id });
  });
});

describe('/metrics', () => {
  /** The sum of a counter over the series whose labels include `labels`. */
  const metricValue = (text: string, name: string, labels: string): number =>
    text
      .split('\n')
      .filter((entry) => entry.startsWith(`${name}{`) && entry.includes(labels))
      .reduce((sum, entry) => sum + Number(entry.split(' ').pop()), 0);

  it('counts accepted, duplicate and refused events per site', async () => {
    const read = async () => (await rawGet('/metrics')).body.toString();
    const before = await read();
    const event = makeEvent();
    await postBeacon(collector.url, batchBody([event, makeEvent(), { ...makeEvent(), type: 'no_such_type' }]));
    await postBeacon(collector.url, batchBody([event]));
    const after = await read();
    const delta = (name: string, labels: string) => metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(delta('rejoiner_events_accepted_total', `site="${SHOP.id}"`)).toBe(2);
    expect(delta('rejoiner_events_duplicate_total', `site="${SHOP.id}"`)).toBe(1);
    expect(delta('rejoiner_events_refused_total', `site="${SHOP.id}"`)).toBe(1);
    expect(after).toMatch(/^rejoiner_events_refused_total\{site="shop",reason="type"\} \d+/m);
    expect(after).toMatch(/^rejoiner_beacon_duration_seconds_count \d+/m);
    expect(after).toMatch(/^rejoiner_store_commit_duration_seconds_count \d+/m);
    expect(after).toMatch(/^process_cpu_seconds_total/m);
    expect(after).toMatch(/^rejoiner_http_responses_total\{kind="beacon",status="200"\} \d+/m);
  });

  it('answers this machine, or the admin token as a bearer; not a request passed on by a proxy', async () => {
    expect((await rawGet('/metrics')).status).toBe(200);
    expect((await rawGet('/metrics', { 'x-forwarded-for': '203.0.113.9' })).status).toBe(401);
    // Proxies that name the client another way are proxies all the same.
    expect((await rawGet('/metrics', { forwarded: 'for=203.0.113.9' })).status).toBe(401);
    expect((await rawGet('/metrics', { 'x-real-ip': '203.0.113.9' })).status).toBe(401);
    expect((await rawGet('/metrics', { 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${ADMIN}` })).status).toBe(200);
    expect((await rawGet('/metrics', { authorization: 'Bearer wrong-token-0123456789abcdef' })).status).toBe(401);
  });
});

describe('health', () => {
  it('/healthz says the process is alive and /readyz that the database answers', async () => {
    expect((await rawGet('/healthz')).body.toString()).toBe('ok\n');
    const ready = await rawGet('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.toString()).toBe('ready\n');
  });
});

describe('serving the snippet', () => {
  it('sends the brotli copy to a browser that takes it, the gzip copy to one that takes only gzip', async () => {
    const br = await rawGet('/dist/rejoiner.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(SNIPPET);
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const gz = await rawGet('/dist/rejoiner.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(SNIPPET);
    const none = await rawGet('/dist/rejoiner.js', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.body.toString()).toBe(SNIPPET);
    expect(br.body.length).toBeLessThan(SNIPPET.length / 3);
  });

  it('answers a revalidation with 304 and no body, per encoding', async () => {
    const first = await rawGet('/dist/rejoiner.js', { 'accept-encoding': 'br' });
    expect(first.headers.etag).toBeTruthy();
    const again = await rawGet('/dist/rejoiner.js', { 'accept-encoding': 'br', 'if-none-match': first.headers.etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const other = await rawGet('/dist/rejoiner.js', { 'accept-encoding': 'gzip', 'if-none-match': first.headers.etag });
    expect(other.status).toBe(200);
  });

  it('caches the stable URL briefly and the versioned one for a year; another version is not served', async () => {
    expect((await rawGet('/dist/rejoiner.js')).headers['cache-control']).toBe(STABLE_CACHE);
    const versioned = await rawGet(`/dist/v${PACKAGE_VERSION}/rejoiner.js`, { 'accept-encoding': 'br' });
    expect(versioned.status).toBe(200);
    expect(versioned.headers['cache-control']).toBe(IMMUTABLE_CACHE);
    expect(brotliDecompressSync(versioned.body).toString()).toBe(SNIPPET);
    expect((await rawGet('/dist/v0.0.1/rejoiner.js')).status).toBe(404);
    const plain = await rawGet('/dist/plain.js', { 'accept-encoding': 'br' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBeUndefined();
  });
});

describe('compressed copies and ETags', () => {
  it('never sends a compressed copy older than its file (a build that skipped compression)', async () => {
    const fresh = 'fresh();'.repeat(50);
    writeFileSync(join(root, 'dist', 'patched.js.br'), brotliCompressSync('stale();'));
    writeFileSync(join(root, 'dist', 'patched.js.gz'), gzipSync('stale();'));
    const past = Date.now() / 1000 - 60;
    utimesSync(join(root, 'dist', 'patched.js.br'), past, past);
    utimesSync(join(root, 'dist', 'patched.js.gz'), past, past);
    writeFileSync(join(root, 'dist', 'patched.js'), fresh);
    const answer = await rawGet('/dist/patched.js', { 'accept-encoding': 'gzip, br' });
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.toString()).toBe(fresh);
  });

  it('gives the same bytes the same ETag on two nodes whose files differ only in time', async () => {
    const other = mkdtempSync(join(tmpdir(), 'collector-ops-node2-'));
    writeFileSync(join(other, 'rejoiner.js'), SNIPPET);
    writeFileSync(join(other, 'rejoiner.js.br'), brotliCompressSync(SNIPPET));
    const later = Date.now() / 1000 + 120;
    for (const name of ['rejoiner.js', 'rejoiner.js.br']) utimesSync(join(other, name), later, later);
    const second = await startTestCollector({ distDir: other });
    try {
      const first = await rawGet('/dist/rejoiner.js', { 'accept-encoding': 'br' });
      const again = await rawGet('/dist/rejoiner.js', { 'accept-encoding': 'br', 'if-none-match': first.headers.etag }, second.port);
      expect(again.status).toBe(304);
    } finally {
      await second.dispose();
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('the demo checkout', () => {
  it('takes its form as a POST and sends the shopper on to the thank-you page', async () => {
    const response = await fetch(`${collector.url}/checkout`, {
      method: 'POST',
      body: new URLSearchParams({ billing_email: 'jane@example.com', password: 'hunter2' }),
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/thank-you.html');
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});
