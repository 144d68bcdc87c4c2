/**
 * A database written by the previous collector (schema 1: JSON documents) opens with this one:
 * the migration moves lines, metadata, tags and memberships into their rows, and what the REST
 * API and the dashboard read is what they read before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/collector/store/open-store';
import { SCHEMA_VERSION } from '../../src/collector/store/sqlite/sqlite-migrations';

const dir = mkdtempSync(join(tmpdir(), 'collector-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The schema 1 tables, and one shopper's records as that version stored them. */
function writeVersion1(path: string): void {
  const db = new Database(path);
  db.exec(`
    CREATE TABLE events (cursor INTEGER PRIMARY KEY AUTOINCREMENT, site TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,
      type TEXT NOT NULL, ts REAL NOT NULL, visitor TEXT NOT NULL, session TEXT NOT NULL, order_id TEXT, url TEXT NOT NULL,
      data TEXT NOT NULL, received_at INTEGER NOT NULL);
    CREATE UNIQUE INDEX events_site_id ON events (site, id);
    CREATE INDEX events_site_cursor ON events (site, cursor);
    CREATE TABLE sessions (site TEXT NOT NULL, id TEXT NOT NULL, visitor TEXT NOT NULL, email TEXT, first_seen REAL NOT NULL,
      last_seen REAL NOT NULL, page_views INTEGER NOT NULL, events INTEGER NOT NULL, last_url TEXT NOT NULL,
      metadata TEXT NOT NULL DEFAULT '{}', updated_at INTEGER NOT NULL, PRIMARY KEY (site, id));
    CREATE INDEX sessions_updated ON sessions (updated_at);
    CREATE TABLE visitors (site TEXT NOT NULL, id TEXT NOT NULL, email TEXT, pending TEXT, PRIMARY KEY (site, id)) WITHOUT ROWID;
    CREATE TABLE orders (site TEXT NOT NULL, id TEXT NOT NULL, visitor TEXT, email TEXT, status TEXT NOT NULL, state TEXT NOT NULL,
      updated_at INTEGER NOT NULL, PRIMARY KEY (site, id));
    CREATE INDEX orders_email ON orders (site, email, status);
    CREATE TABLE customers (site TEXT NOT NULL, id TEXT NOT NULL, email TEXT NOT NULL, record TEXT NOT NULL, updated_at INTEGER NOT NULL,
      PRIMARY KEY (site, id));
    CREATE UNIQUE INDEX customers_email ON customers (site, email);
    PRAGMA user_version = 1;
  `);
  db.prepare("INSERT INTO events VALUES (NULL, 'shop', 'e1', 1, 'page_view', 1000, 'v1', 's1', NULL, 'https://shop.example/', '{}', 1)").run();
  db.prepare("INSERT INTO sessions VALUES ('shop', 's1', 'v1', 'ann@shop.example', 1000, 2000, 3, 9, 'https://shop.example/cart', ?, 5)")
    .run(JSON.stringify({ campaign: 'spring' }));
  db.prepare("INSERT INTO visitors VALUES ('shop', 'v2', NULL, ?)").run(JSON.stringify({ city: 'Oulu', metadata: { plan: 'gold' } }));
  const order = {
    site: 'shop', id: 'o1', visitor: 'v1', session: 's1', email: 'ann@shop.example', status: 'open',
    cart_data: { cart_value: 1500, metadata: { gift: 'yes' } },
    items: [{ product_id: 'b', item_qty: 1 }, { product_id: 'a', item_qty: 2 }],
    campaign_type: null, campaign_ids: [], created_at: 1000, updated_at: 2000, converted_at: null, converted_by: null,
    item_marks: { a: 7, b: 3, gone: 9 }, cart_data_mark: 4,
  };
  db.prepare("INSERT INTO orders VALUES ('shop', 'o1', 'v1', 'ann@shop.example', 'open', ?, 6)").run(JSON.stringify(order));
  const customer = {
    site: 'shop', id: 'c0ffee', email: 'ann@shop.example',
    profile: { first_name: 'Ann', tags: ['vip', 'b2b'], metadata: { tier: 3 } },
    is_unsubscribed: false, unsubscribe_date: null, is_opted_in: true, opt_in_date: '2025-01-01T00:00:00.000Z',
    opt_in_info: { source: 'checkout' }, journeys_cancelled_at: null,
    lists: [{ list_id: 'news', first_name: 'Ann', source: 'footer', subscribed_at: 1500 }], created_at: 900, updated_at: 1600,
  };
  db.prepare("INSERT INTO customers VALUES ('shop', 'c0ffee', 'ann@shop.example', ?, 7)").run(JSON.stringify(customer));
  db.close();
}

describe('SQLite migrations', () => {
  it('brings a version 1 database to the current schema with every record intact', async () => {
    const path = join(dir, 'v1.db');
    writeVersion1(path);
    const store = await openStore(path);
    try {
      expect(await store.getSession('shop', 's1')).toEqual({
        site: 'shop', id: 's1', visitor: 'v1', email: 'ann@shop.example', first_seen: 1000, last_seen: 2000, page_views: 3,
        product_views: 0, events: 9, last_url: 'https://shop.example/cart', metadata: { campaign: 'spring' },
        payment_date: null, fulfillment_date: null, delivery_date: null,
      });
      expect(await store.getOrder('shop', 'o1')).toMatchObject({
        status: 'open', email: 'ann@shop.example', cart_data: { cart_value: 1500, metadata: { gift: 'yes' } },
        items: [{ product_id: 'b', item_qty: 1 }, { product_id: 'a', item_qty: 2 }], item_count: 2, created_at: 1000, updated_at: 2000,
      });
      expect(await store.getCustomer('shop', 'ann@shop.example')).toMatchObject({
        id: 'c0ffee', profile: { first_name: 'Ann', tags: ['vip', 'b2b'], metadata: { tier: 3 } },
        consent: { email: { state: 'granted', at: '2025-01-01T00:00:00.000Z', source: 'rejoiner' }, opt_in_at: '2025-01-01T00:00:00.000Z' },
        opt_in_info: { source: 'checkout' }, lists: [{ list_id: 'news', first_name: 'Ann', source: 'footer', subscribed_at: 1500 }],
      });
      // The visitor's profile sent before its email reaches the customer it turns out to be.
      await store.insertBatch('shop', [
        { id: 'e2', seq: 2, type: 'customer_email', ts: 3000, visitor: 'v2', session: 's2', order: null, url: 'https://shop.example/', data: { email: 'bo@shop.example', source: 'form' } },
      ]);
      expect((await store.getCustomer('shop', 'bo@shop.example'))?.profile).toEqual({ city: 'Oulu', metadata: { plan: 'gold' } });
      // A stale add of a product removed before the migration stays out (its seq was kept).
      const stale = await store.insertBatch('shop', [
        { id: 'e3', seq: 8, type: 'cart_item', ts: 3000, visitor: 'v1', session: 's1', order: 'o1', url: 'https://shop.example/', data: { product_id: 'gone' } },
      ]);
      expect(stale.accepted).toBe(1);
      expect((await store.getOrder('shop', 'o1'))?.items.map((item) => item.product_id)).toEqual(['b', 'a']);
      expect((await store.exportEvents('shop', undefined, undefined)).nextCursor).toBe('3');
    } finally {
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE '%_v1'").pluck().get()).toBe(0);
    db.close();
  });

  it('refuses a database from a newer collector', async () => {
    const path = join(dir, 'newer.db');
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await expect(openStore(path)).rejects.toThrow(/newer than this collector/);
  });
});
