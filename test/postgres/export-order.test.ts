/**
 * The PostgreSQL export cursor holds transaction ids, which cross powers of ten as a server
 * ages (999 → 1000): the order must stay numeric there, or the export skips and repeats events.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBody, exportAll, makeEvent, postBeacon, signedRequest, startTestCollector, type TestCollector } from '../support/collector';
import type { WireEvent } from '../../src/protocol/types';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(() => collector.dispose());

/** Uses up transaction ids until the next one is a few below a power of ten. */
async function approachPowerOfTen(url: string): Promise<bigint> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query('CREATE TEMP TABLE burn (x int)');
    const current = BigInt((await client.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0].xid);
    const boundary = 10n ** BigInt(String(current + 50n).length);
    // Each subtransaction that writes takes an id of its own.
    await client.query(`DO $$ BEGIN FOR i IN 1..${boundary - current - 5n} LOOP BEGIN INSERT INTO burn VALUES (1); EXCEPTION WHEN others THEN NULL; END; END LOOP; END $$`);
    return boundary;
  } finally {
    await client.end();
  }
}

describe('the PostgreSQL export across a power of ten of transaction ids', () => {
  it('keeps every event once, in arrival order', { timeout: 60_000 }, async () => {
    const boundary = await approachPowerOfTen(collector.db);
    const sent: WireEvent[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const events = Array.from({ length: 5 }, () => makeEvent({ session: 'xid' }));
      sent.push(...events);
      expect((await postBeacon(collector.url, batchBody(events))).status).toBe(200);
    }
    // The test's own premise: the events' transaction ids straddle the power of ten.
    const client = new pg.Client(collector.db);
    await client.connect();
    const { rows } = await client.query<{ low: string; high: string }>("SELECT min(tx)::text AS low, max(tx)::text AS high FROM events WHERE session = 'xid'");
    await client.end();
    expect(BigInt(rows[0].low)).toBeLessThan(boundary);
    expect(BigInt(rows[0].high)).toBeGreaterThanOrEqual(boundary);
    const exported = (await exportAll(collector.url)).filter((event) => event.session == 'xid');
    expect(exported.map((event) => event.id)).toEqual(sent.map((event) => event.id));
    // And page by page, with the cursor of each page.
    const paged: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const response = await signedRequest(collector.url, 'GET', `/api/v1/shop/events/?limit=7${cursor ? `&after=${cursor}` : ''}`);
      const lines = (await response.text()).split('\n').filter(Boolean).map((line) => JSON.parse(line) as WireEvent);
      if (!lines.length) break;
      paged.push(...lines.filter((event) => event.session == 'xid').map((event) => event.id));
      cursor = response.headers.get('x-next-cursor')!;
    }
    expect(paged).toEqual(sent.map((event) => event.id));
  });
});
