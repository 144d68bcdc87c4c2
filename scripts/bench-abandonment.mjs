#!/usr/bin/env node
/**
 * Abandonment detection and webhook delivery benchmark, loopback only.
 *
 *   node --import tsx scripts/bench-abandonment.mjs [--db sqlite|postgres|all] [--sessions 100000] [--deliveries 5000]
 *
 * Stores N sessions, each with an open order holding a line and an email, all idle for longer
 * than the buffer and none decided yet (the worst case), then times detection ticks (one batch
 * each: the cost must not grow with N), a tick when nothing is left to decide, and the delivery
 * of the webhooks to a local receiver that answers 200 at once (deliveries per second of one node).
 */
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres } from './lib/postgres-server.mjs';
import { openStore } from '../src/collector/store/open-store.ts';
import { createAutomation } from '../src/collector/automation/automation.ts';
import { createSiteRegistry, parseSites } from '../src/collector/sites.ts';

const { values: options } = parseArgs({
  options: { db: { type: 'string', default: 'all' }, sessions: { type: 'string', default: '100000' }, deliveries: { type: 'string', default: '5000' } },
});
const SESSIONS = Number(options.sessions);
const DELIVERIES = Number(options.deliveries);
const MINUTE = 60_000;

/** Rows of `count` idle sessions with an open order each, written an hour ago. */
function sqliteFill(path, count, writtenAt) {
  const db = new Database(path);
  const session = db.prepare(`INSERT INTO sessions (site, id, visitor, email, first_seen, last_seen, page_views, product_views, events, last_url, written_at)
    VALUES ('shop', ?, ?, ?, ?, ?, 1, 1, 3, 'https://shop.example/cart', ?)`);
  const order = db.prepare(`INSERT INTO orders (site, id, visitor, session, email, status, cart_data, campaign_type, campaign_ids, created_at, updated_at,
    converted_at, converted_by, item_count, next_position, cart_data_seq, closed_seq, written_at)
    VALUES ('shop', ?, ?, ?, ?, 'open', '{"cart_value":1000,"return_url":"https://shop.example/cart"}', NULL, '[]', ?, ?, NULL, NULL, 1, 1, 0, 0, ?)`);
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      session.run(`s${i}`, `v${i}`, `shopper${i}@shop.example`, writtenAt, writtenAt, writtenAt + i);
      order.run(`o${i}`, `v${i}`, `s${i}`, `shopper${i}@shop.example`, writtenAt, writtenAt, writtenAt);
    }
  })();
  db.close();
}

async function postgresFill(url, count, writtenAt) {
  const client = new pg.Client(url);
  await client.connect();
  await client.query(
    `INSERT INTO sessions (site, id, visitor, email, first_seen, last_seen, page_views, product_views, events, last_url, written_at)
     SELECT 'shop', 's' || i, 'v' || i, 'shopper' || i || '@shop.example', $2::bigint, $2::bigint, 1, 1, 3, 'https://shop.example/cart', $2::bigint + i FROM generate_series(0, $1 - 1) i`,
    [count, writtenAt],
  );
  await client.query(
    `INSERT INTO orders (site, id, visitor, session, email, status, cart_data, campaign_type, campaign_ids, created_at, updated_at,
       converted_at, converted_by, item_count, next_position, cart_data_seq, closed_seq, written_at)
     SELECT 'shop', 'o' || i, 'v' || i, 's' || i, 'shopper' || i || '@shop.example', 'open', '{"cart_value":1000,"return_url":"https://shop.example/cart"}',
       NULL, '[]', $2::bigint, $2::bigint, NULL, NULL, 1, 1, 0, 0, $2::bigint FROM generate_series(0, $1 - 1) i`,
    [count, writtenAt],
  );
  await client.query('ANALYZE');
  await client.end();
}

const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
const sites = createSiteRegistry(parseSites([{ id: 'shop', origins: ['*'], key: 'k', secret: 's', webhooks: [{ url: hookUrl, secret: 'whsec' }] }]));
const site = { id: 'shop', bufferMs: 30 * MINUTE, endpoints: sites.byId('shop').webhooks, secret: 's' };

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function run(engine) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-abandonment-'));
  const server = engine == 'postgres' ? await startPostgres() : undefined;
  const db = server ? server.url : join(dir, 'collector.db');
  try {
    (await openStore(db)).close();
    const writtenAt = Date.now() - 60 * MINUTE;
    if (server) await postgresFill(db, SESSIONS, writtenAt);
    else sqliteFill(db, SESSIONS, writtenAt);
    const store = await openStore(db);
    const now = Date.now();
    const ticks = [];
    let deliveries = 0;
    // Decide batch after batch until DELIVERIES webhooks wait (each tick one batch of 200).
    while (deliveries < DELIVERIES) {
      const started = performance.now();
      const report = await store.lifecycle.detectAbandonments(site, now);
      ticks.push(performance.now() - started);
      deliveries += report.deliveries;
    }
    // The automation's own detection finds nothing here (a 30-day buffer): the ticks below only deliver.
    const quiet = createSiteRegistry(parseSites([{ id: 'shop', origins: ['*'], key: 'k', secret: 's', abandonment_minutes: 43200, webhooks: [{ url: hookUrl, secret: 'whsec' }] }]));
    const automation = createAutomation({ store, sites: () => quiet, deliveriesPerTick: 200 });
    const sendStarted = performance.now();
    let delivered = 0;
    for (;;) {
      const report = await automation.tick(now);
      delivered += report.delivered;
      if (report.attempted == 0) break;
    }
    const sendSeconds = (performance.now() - sendStarted) / 1000;
    // Every remaining session decided, then a tick that finds nothing.
    for (;;) if ((await store.lifecycle.detectAbandonments({ ...site, endpoints: [] }, now, 5000)).decided == 0) break;
    const emptyTicks = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await store.lifecycle.detectAbandonments(site, now);
      emptyTicks.push(performance.now() - started);
    }
    await store.close();
    console.log(
      `${engine.padEnd(8)} ${SESSIONS} sessions stored, all idle and undecided: detection tick (200 decided) median ${median(ticks).toFixed(1)} ms ` +
        `(first ${ticks[0].toFixed(1)}, last ${ticks.at(-1).toFixed(1)}); tick with nothing to decide median ${median(emptyTicks).toFixed(2)} ms; ` +
        `${delivered} webhooks delivered in ${sendSeconds.toFixed(1)} s = ${Math.round(delivered / sendSeconds)}/s (one node)`,
    );
  } finally {
    server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const engine of options.db == 'all' ? ['sqlite', 'postgres'] : [options.db]) await run(engine);
receiver.close();
