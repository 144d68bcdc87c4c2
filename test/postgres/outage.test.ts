/**
 * The PostgreSQL server is down when the collector starts, and goes away again later: the
 * collector keeps running (no crash loop), answers beacons 503 with Retry-After quickly and
 * health at once, and stores everything again as soon as the server is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/collector/collector';
import { startPostgres, type PostgresServer } from '../../scripts/lib/postgres-server.mjs';
import { batchBody, exportAll, makeEvent, postBeacon, SHOP } from '../support/collector';

let server: PostgresServer;
beforeAll(async () => {
  // Durable settings: the outage is an immediate stop, which loses unflushed commits otherwise.
  server = await startPostgres({ maxConnections: 50 });
});
afterAll(() => server.stop());

/** Posts until a 200 arrives (the library's retries, compressed); resolves the statuses seen. */
async function postUntilStored(url: string, body: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    const response = await postBeacon(url, body);
    statuses.push(response.status);
    if (response.status == 200) return statuses;
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`never stored: ${statuses.join(' ')}`);
}

describe('PostgreSQL outages', () => {
  it('starts without the database, answers 503 meanwhile, and recovers when it comes', { timeout: 60_000 }, async () => {
    server.pause();
    const lines: string[] = [];
    const collector: RunningCollector = await startCollector({ port: 0, host: '127.0.0.1', db: server.url, sites: [SHOP], log: (line) => lines.push(line) });
    try {
      const event = makeEvent({ session: 'outage-start' });
      const down = await postBeacon(collector.url, batchBody([event]));
      expect(down.status).toBe(503);
      expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${collector.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toMatch(/database not ready/);
      expect(lines.some((line) => /database unreachable/.test(line))).toBe(true);

      server.resume();
      await postUntilStored(collector.url, batchBody([event]));
      expect((await fetch(`${collector.url}/readyz`)).status).toBe(200);
      expect((await exportAll(collector.url)).map((stored) => stored.id)).toContain(event.id);
    } finally {
      await collector.close();
    }
  });

  it('answers 503 while the database is away mid-run, and keeps every event once it is back', { timeout: 60_000 }, async () => {
    const collector = await startCollector({ port: 0, host: '127.0.0.1', db: server.url, sites: [SHOP] });
    try {
      const before = makeEvent({ session: 'outage-mid' });
      expect((await postBeacon(collector.url, batchBody([before]))).status).toBe(200);
      server.pause();
      const during = [makeEvent({ session: 'outage-mid' }), makeEvent({ session: 'outage-mid' })];
      const statuses = postUntilStored(collector.url, batchBody(during));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${collector.url}/readyz`)).status).toBe(503);
      server.resume();
      expect((await statuses)[0]).toBe(503);
      const ids = (await exportAll(collector.url)).map((stored) => stored.id);
      for (const event of [before, ...during]) expect(ids.filter((id) => id == event.id), `${event.id} in ${ids.join(" ")}`).toHaveLength(1);
    } finally {
      await collector.close();
    }
  });
});
