/**
 * PostgreSQL with other sessions and other collector nodes on the same database: a session
 * holding a table lock makes beacons 503 quickly, and two nodes writing one order at once never
 * lose the email its visitor gave.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/collector/collector';
import { batchBody, makeEvent, postBeacon, SHOP, startTestCollector, type TestCollector } from '../support/collector';

let collectors: TestCollector[] = [];
let extra: RunningCollector[] = [];
afterEach(async () => {
  await Promise.all(extra.map((c) => c.close()));
  await Promise.all(collectors.map((c) => c.dispose()));
  collectors = [];
  extra = [];
});
const collector = async (): Promise<TestCollector> => {
  const c = await startTestCollector();
  collectors.push(c);
  return c;
};
const send = async (base: string, events: unknown[]) => {
  const response = await postBeacon(base, batchBody(events));
  return { status: response.status, body: (await response.json()) as { accepted: number } };
};

describe('PostgreSQL with other sessions and nodes', () => {
  it('a busy database (a table lock held by another session) answers 503 + Retry-After quickly', async () => {
    const c = await collector();
    await send(c.url, [makeEvent()]);
    const other = new pg.Client(c.db);
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('LOCK TABLE events IN EXCLUSIVE MODE');
      const started = Date.now();
      const response = await postBeacon(c.url, batchBody([makeEvent()]));
      expect({ status: response.status, retryAfter: !!response.headers.get('retry-after') }).toEqual({ status: 503, retryAfter: true });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
  }, 30_000);

  it('two nodes: an order of a visitor keeps the email the visitor gave, whatever else writes the order meanwhile', async () => {
    const a = await collector();
    const b = await startCollector({ port: 0, host: '127.0.0.1', db: a.db, sites: [SHOP] });
    extra.push(b);
    const db = new pg.Client(a.db);
    await db.connect();
    let lost = 0;
    try {
      for (let i = 0; i < 60; i++) {
        const [X, Y, O, email] = [`x${i}`, `y${i}`, `o${i}`, `u${i}@x.com`];
        await send(a.url, [makeEvent({ type: 'cart_item', visitor: X, session: `sx${i}`, order: O, data: { product_id: 'p', price: 1, item_qty: 1 } })]);
        await Promise.all([
          send(a.url, [makeEvent({ type: 'customer_email', visitor: X, session: `sx${i}`, order: null, data: { email, source: 'api' } })]),
          send(b.url, [makeEvent({ type: 'cart_item', visitor: Y, session: `sy${i}`, order: O, data: { product_id: 'q', price: 1, item_qty: 1 } })]),
        ]);
        const { rows } = await db.query('SELECT email FROM orders WHERE id = $1', [O]);
        if (rows[0].email !== email) lost++;
      }
    } finally {
      await db.end();
    }
    expect(lost).toBe(0);
  }, 60_000);
});

