/**
 * `npm start` as a person runs it and stops it: on a copy of this checkout (so a rebuild never
 * touches the dist/ other tests read), with npm itself as the parent process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/free-port.mjs';
import { BUILD_INPUTS, BUILD_OUTPUTS, isBuildFresh } from '../../scripts/lib/build-freshness.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
let copy: string;

const listening = (port: number): Promise<boolean> =>
  new Promise((done) => {
    const socket = connect(port, '127.0.0.1', () => (socket.destroy(), done(true)));
    socket.on('error', () => (socket.destroy(), done(false)));
  });

async function until(condition: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((done) => setTimeout(done, 100));
  }
  return condition();
}

/** Marks every build output newer than every input, as `npm run build` leaves them. */
function markBuilt(root: string, at = Date.now() / 1000 + 2): void {
  for (const output of BUILD_OUTPUTS) utimesSync(join(root, output), at, at);
}

/** `npm start` in the copy; resolves once the collector answers on `port`. */
async function npmStart(port: number): Promise<{ npm: ChildProcess; output: () => string }> {
  const npm = spawn('npm', ['start', '--', '--port', String(port), '--host', '127.0.0.1', '--db', join(copy, '.data', 'c.db')], {
    cwd: copy,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout!.on('data', (chunk) => (output += chunk));
  npm.stderr!.on('data', (chunk) => (output += chunk));
  const up = await until(() => listening(port), 60_000);
  if (!up) throw new Error(`npm start did not listen: ${output}`);
  return { npm, output: () => output };
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'npm-start-'));
  for (const entry of ['scripts', 'src', 'public', 'dist', 'collector', 'package.json', 'package-lock.json', 'tsconfig.json', 'rollup.config.mjs'])
    cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  markBuilt(copy);
});

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('build freshness', () => {
  it('is stale without dist/, fresh after a build, stale again once a source changes', () => {
    const root = mkdtempSync(join(tmpdir(), 'freshness-'));
    try {
      mkdirSync(join(root, 'src'));
      writeFileSync(join(root, 'src', 'a.ts'), '');
      expect(isBuildFresh(root)).toBe(false);
      mkdirSync(join(root, 'dist'));
      mkdirSync(join(root, 'collector'));
      for (const output of BUILD_OUTPUTS) writeFileSync(join(root, output), '');
      markBuilt(root);
      expect(isBuildFresh(root)).toBe(true);
      const later = Date.now() / 1000 + 10;
      utimesSync(join(root, 'src', 'a.ts'), later, later);
      expect(isBuildFresh(root)).toBe(false);
      expect(BUILD_INPUTS).toContain('src');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('npm start', { timeout: 120_000 }, () => {
  it('says it skips an up-to-date build, serves the demo, and frees the port when npm is killed outright', async () => {
    const port = await freePort();
    const { npm, output } = await npmStart(port);
    expect(output()).toMatch(/dist\/ and collector\/ are newer than their sources \(skipped\)/);
    expect(output()).not.toMatch(/npm run build/);
    const home = await fetch(`http://127.0.0.1:${port}/`);
    expect(home.status).toBe(200);
    npm.kill('SIGKILL');
    expect(await until(async () => !(await listening(port)), 5_000)).toBe(true);
  });

  it('stops the collector when npm is stopped with SIGTERM, as kill does', async () => {
    const port = await freePort();
    const { npm, output } = await npmStart(port);
    npm.kill('SIGTERM');
    expect(await until(async () => !(await listening(port)), 5_000)).toBe(true);
    expect(await until(() => /SIGTERM: shutting down/.test(output()), 2_000)).toBe(true);
  });
});
