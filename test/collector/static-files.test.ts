import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../support/collector';

let collector: TestCollector;
let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'collector-static-'));
  const publicDir = join(root, 'public');
  const distDir = join(root, 'dist');
  mkdirSync(join(publicDir, 'shop'), { recursive: true });
  mkdirSync(distDir);
  writeFileSync(join(root, 'secret.txt'), 'SECRET');
  writeFileSync(join(publicDir, 'index.html'), '<!doctype html><title>home</title>');
  writeFileSync(join(publicDir, 'shop', 'index.html'), '<!doctype html><title>shop</title>');
  writeFileSync(join(publicDir, 'app.css'), 'body{}');
  writeFileSync(join(publicDir, 'data.json'), '{}');
  writeFileSync(join(publicDir, 'blob.bin'), 'x');
  writeFileSync(join(distDir, 'rejoiner.js'), '/*! rejoiner */');
  symlinkSync(join(root, 'secret.txt'), join(publicDir, 'leak.txt'));
  collector = await startTestCollector({ publicDir, distDir });
});
afterAll(async () => {
  await collector.dispose();
  rmSync(root, { recursive: true, force: true });
});

/** A GET with the path sent byte for byte (fetch would normalize "..", so use node:http). */
const rawGet = (path: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: collector.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });

describe('static files', () => {
  it.each([
    ['/', 'text/html; charset=utf-8', 'home'],
    ['/shop/', 'text/html; charset=utf-8', 'shop'],
    ['/shop', 'text/html; charset=utf-8', 'shop'],
    ['/app.css', 'text/css; charset=utf-8', 'body'],
    ['/data.json', 'application/json; charset=utf-8', '{}'],
    ['/blob.bin', 'application/octet-stream', 'x'],
    ['/dist/rejoiner.js', 'text/javascript; charset=utf-8', 'rejoiner'],
  ])('serves %s as %s', async (path, type, text) => {
    const response = await fetch(collector.url + path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(await response.text()).toContain(text);
  });

  it('answers HEAD with headers only', async () => {
    const response = await fetch(`${collector.url}/dist/rejoiner.js`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String('/*! rejoiner */'.length));
  });

  it.each([
    '/../secret.txt',
    '/../../../../etc/passwd',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/dist/..%2f..%2fsecret.txt',
    '/dist/%2e%2e/public/index.html',
    '/shop/%2e%2e/%2e%2e/secret.txt',
    '/leak.txt',
    '/index.html%00.css',
    '/nothing-here.html',
  ])('never serves what is outside the folder: %s', async (path) => {
    const { status, body } = await rawGet(path);
    expect([400, 404]).toContain(status);
    expect(body).not.toContain('SECRET');
  });

  it('does not serve files on POST', async () => {
    expect((await fetch(`${collector.url}/index.html`, { method: 'POST' })).status).toBe(404);
  });

  it('answers /healthz', async () => {
    expect(await (await fetch(`${collector.url}/healthz`)).text()).toBe('ok\n');
  });
});
