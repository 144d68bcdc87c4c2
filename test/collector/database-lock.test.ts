/**
 * Another process holds the SQLite database's write lock (a backup, an operator's shell) while
 * beacons arrive: beacons are answered 503 with Retry-After before the lock is released, health,
 * the dashboard and static files keep answering, and once the lock is gone the retried beacons
 * are stored, each once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../../src/collector/collector';
import { batchBody, exportAll, makeEvent, postBeacon, readInspectorSnapshot, SHOP, startTestCollector, type TestCollector } from '../support/collector';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({ distDir: 'public' });
});
afterAll(() => collector.dispose());

/** Another process that takes the write lock and holds it until killed. */
function holdLock(path: string): Promise<ChildProcess> {
  const script = `const db = new (require('better-sqlite3'))(process.argv[1]); db.exec('BEGIN EXCLUSIVE'); console.log('locked'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
}

describe('a database locked by another process', () => {
  it('answers beacons 503 + Retry-After while the lock is held, keeps serving the rest, and stores the retries once', { timeout: 30_000 }, async () => {
    const warm = await postBeacon(collector.url, batchBody([makeEvent({ session: 'lock-warm' })]));
    expect(warm.status).toBe(200);

    const holder = await holdLock(collector.dbPath);
    const released = new Promise((resolve) => holder.once('exit', resolve));
    try {
      const batches = Array.from({ length: 8 }, (_, i) => [makeEvent({ session: `lock-${i}` }), makeEvent({ session: `lock-${i}` })]);
      const answers = await Promise.all(batches.map((events) => postBeacon(collector.url, batchBody(events))));
      // Answered while the other process still holds the lock: nothing waited for it to go away.
      expect(holder.exitCode).toBeNull();
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
      // Not ready while beacons cannot be stored: a load balancer sends them elsewhere.
      const notReady = await fetch(`${collector.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ error: 'database not ready' });
      expect((await fetch(`${collector.url}/dist/shop.css`)).status).toBe(200);
      const snapshot = await readInspectorSnapshot(collector.url);
      expect(snapshot.sessions.map((session) => session.id)).toContain('lock-warm');

      holder.kill('SIGKILL');
      await released;
      expect((await fetch(`${collector.url}/readyz`)).status).toBe(200);
      for (const events of batches) {
        const retry = await postBeacon(collector.url, batchBody(events));
        expect(await retry.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
      }
      const stored = (await exportAll(collector.url)).filter((event) => event.session.startsWith('lock-') && event.session != 'lock-warm');
      expect(stored).toHaveLength(16);
      expect(new Set(stored.map((event) => event.id)).size).toBe(16);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('is not ready once its database file is removed, instead of taking beacons into a deleted file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'readyz-removed-'));
    const doomed = await startCollector({ port: 0, host: '127.0.0.1', db: join(dir, 'state', 'c.db'), sites: [SHOP] });
    try {
      expect((await fetch(`${doomed.url}/readyz`)).status).toBe(200);
      rmSync(join(dir, 'state'), { recursive: true, force: true });
      expect((await fetch(`${doomed.url}/readyz`)).status).toBe(503);
    } finally {
      await doomed.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
