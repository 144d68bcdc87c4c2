/**
 * deploy/nginx as shipped, run by Debian's nginx with a self-signed certificate in front of a
 * collector process in production mode (a sites file, --trust-proxy naming the proxy): what a
 * browser and an operator see over TLS. Answers are read with node:https and the certificate as
 * the only trusted authority, so a broken TLS setup fails here instead of being waved through.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/free-port.mjs';
import { COLLECTOR_CONF, startNginx, type NginxServer } from '../../scripts/lib/nginx-server.mjs';
import { KEEP_ALIVE_MS } from '../../src/collector/collector';
import { batchBody, makeEvent } from '../support/collector';

const ADMIN = 'admin_token_0123456789abcdefghij';
const SITE_TOKEN = 'shop_token_0123456789abcdefghijk';
const ORIGIN = 'https://shop.example';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let dir: string;
let ca: Buffer;
let collector: ChildProcess;
let proxy: NginxServer;
let httpPort: number;

/** One request over TLS through nginx, trusting only the test's certificate. */
function tls(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${proxy.url}${path}`, { method, headers, ca, servername: 'localhost' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function plain(path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    httpRequest(`http://127.0.0.1:${httpPort}${path}`, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.alloc(0) }));
    })
      .on('error', reject)
      .end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nginx-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  ca = readFileSync(cert);
  writeFileSync(join(dir, 'sites.json'), JSON.stringify([{ id: 'shop', origins: [ORIGIN], key: 'shop-key', secret: 'shop-secret', token: SITE_TOKEN }]));

  const collectorPort = await freePort();
  collector = spawn(process.execPath, [
    '--import', 'tsx', 'src/collector/cli.ts',
    '--port', String(collectorPort), '--host', '127.0.0.1', '--db', join(dir, 'collector.db'),
    '--sites', join(dir, 'sites.json'), '--trust-proxy', '127.0.0.1', '--admin-token', ADMIN, '--log-level', 'warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    collector.stderr!.on('data', (chunk) => {
      log += chunk;
      if (/listening on/.test(log)) resolve();
    });
    collector.once('exit', (code) => reject(new Error(`collector exited ${code}: ${log}`)));
  });
  httpPort = await freePort();
  proxy = await startNginx({ upstreams: [collectorPort], port: await freePort(), tls: { cert, key, httpPort } });
});

afterAll(async () => {
  await proxy?.stop();
  collector?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('the collector behind deploy/nginx with TLS', () => {
  it('closes idle connections to the collector before the collector does (else a request races the close: 502)', () => {
    const conf = readFileSync(COLLECTOR_CONF, 'utf8');
    const idle = /upstream rejoiner_collectors \{[^}]*keepalive_timeout (\d+)s;/.exec(conf);
    expect(idle).not.toBeNull();
    expect(Number(idle![1]) * 1000).toBeLessThan(KEEP_ALIVE_MS);
  });

  it('sends plain HTTP to HTTPS with the same path', async () => {
    const answer = await plain('/dist/rejoiner.js?x=1');
    expect(answer.status).toBe(301);
    expect(answer.headers.location).toBe(`https://127.0.0.1/dist/rejoiner.js?x=1`);
  });

  it('serves the snippet precompressed with HSTS, and a returning page view revalidates to a 304 without a body', async () => {
    const first = await tls('GET', '/dist/rejoiner.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(first.status).toBe(200);
    expect(first.headers['content-encoding']).toBe('br');
    expect(first.body.length).toBe(statSync('dist/rejoiner.js.br').size);
    expect(first.headers['cache-control']).toBe('public, max-age=300');
    expect(first.headers.vary).toMatch(/accept-encoding/i);
    expect(first.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(first.headers.etag).toBeTruthy();

    const again = await tls('GET', '/dist/rejoiner.js', { 'accept-encoding': 'gzip, deflate, br', 'if-none-match': first.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);

    const gzip = await tls('GET', '/dist/rejoiner.js', { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.body.length).toBe(statSync('dist/rejoiner.js.gz').size);
    console.log(`SNIPPET over TLS: br ${first.body.length} B, gzip ${gzip.body.length} B, returning view ${again.status} with ${again.body.length} B, cache-control "${first.headers['cache-control']}"`);
  });

  it('takes beacons from the shop over TLS; a body over 1 MB gets the collector\'s 413, which the library can read', async () => {
    const headers = { origin: ORIGIN, 'content-type': 'text/plain;charset=UTF-8' };
    const ok = await tls('POST', '/v4/shop', headers, batchBody([makeEvent()], 'shop'));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.toString()).accepted).toBe(1);
    expect(ok.headers['access-control-allow-origin']).toBe(ORIGIN);

    // Without CORS headers a browser sees a 413 as a network error and retries instead of splitting.
    const large = await tls('POST', '/v4/shop', headers, Buffer.alloc(1024 * 1024 + 1, 'a'));
    expect(large.status).toBe(413);
    expect(large.headers['access-control-allow-origin']).toBe(ORIGIN);

    const absurd = await tls('POST', '/v4/shop', headers, Buffer.alloc(3 * 1024 * 1024, 'a'));
    expect(absurd.status).toBe(413);
  });

  it('replaces a client\'s X-Request-Id with nginx\'s own', async () => {
    const answer = await tls('GET', '/healthz', { 'x-request-id': 'chosen-by-the-client' });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('believes the proxy: a dashboard login over TLS sets a Secure cookie', async () => {
    const login = await tls('POST', '/inspector/login', { 'content-type': 'application/x-www-form-urlencoded' }, `token=${SITE_TOKEN}`);
    expect(login.status).toBe(303);
    expect(String(login.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict; Secure/);
  });

  it('answers /metrics through the proxy only with the admin token', async () => {
    expect((await tls('GET', '/metrics')).status).toBe(401);
    const metrics = await tls('GET', '/metrics', { authorization: `Bearer ${ADMIN}` });
    expect(metrics.status).toBe(200);
    expect(metrics.body.toString()).toMatch(/^rejoiner_events_accepted_total\b/m);
  });

  it('streams the dashboard feed through the proxy without buffering', async () => {
    const login = await tls('POST', '/inspector/login', { 'content-type': 'application/x-www-form-urlencoded' }, `token=${ADMIN}`);
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    const firstChunk = await new Promise<{ type: string | undefined; text: string }>((resolve, reject) => {
      const req = httpsRequest(`${proxy.url}/inspector/events`, { headers: { cookie }, ca, servername: 'localhost' }, (res) => {
        res.once('data', (chunk: Buffer) => {
          resolve({ type: res.headers['content-type'], text: chunk.toString() });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(firstChunk.type).toMatch(/^text\/event-stream/);
    expect(firstChunk.text.length).toBeGreaterThan(0);
  });
});
