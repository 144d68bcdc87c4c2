#!/usr/bin/env node
/**
 * What a page of HubRise customers costs as the store grows, on both engines, as numbers:
 *
 *   node --import tsx scripts/bench-hubrise.mjs [--rows 100000] [--runs 30]
 *
 * For SQLite and for PostgreSQL (a server of its own, started and removed here), a collector is
 * started in-process; 10 customers are created in a customer list over HTTP, then the list is
 * grown to 1,000 and to `--rows` customers by copying its rows in SQL (creating 100,000 over HTTP
 * would measure the creation, not the page). At each size it prints the median and the slowest of
 * `--runs` requests, each answering 100 customers (or fewer, with 10 stored):
 *
 * - `first page`: GET /customer_lists/{list}/customers?count=100
 * - `later page`: the same from a cursor half-way through the list (10 rows) or after 1,000
 * - `email prefix`: ?email=c1*&count=100, a range of the email index
 * - `email suffix`: ?email=*@bench.example&count=100, which no index answers: a bounded scan of
 *   at most 1,000 rows per page (README "HubRise customers and loyalty", Paging)
 *
 * Times are from sending the request to reading the whole answer on the loopback interface.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startCollector } from '../src/collector/collector.ts';
import { startPostgres } from './lib/postgres-server.mjs';

const { values: options } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, runs: { type: 'string', default: '30' } } });
const ROWS = Number(options.rows);
const RUNS = Number(options.runs);
const TOKEN = 'bench_hubrise_token_0123456789';
const SITE = { id: 'shop', origins: ['https://shop.example'], key: 'k', secret: 's', token: TOKEN, currency: 'GBP' };

async function request(base, method, path, body, retried = false) {
  let response;
  try {
    response = await fetch(base + path, {
      method,
      headers: { 'x-access-token': TOKEN, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    // A kept-alive connection the server closed while idle (the SQL growth takes seconds): once more.
    if (retried || method != 'GET') throw error;
    return request(base, method, path, body, true);
  }
  const answer = await response.json();
  if (response.status != 200) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return { answer, next: response.headers.get('x-cursor-next') };
}

async function time(base, path) {
  const times = [];
  let size = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const { answer } = await request(base, 'GET', path);
    times.push(performance.now() - started);
    size = answer.length;
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], max: times[times.length - 1], size };
}

/** Copies the list's rows `copies` times with new ids and emails (of this `generation`), in each engine's SQL. */
const COPY_SQL = {
  sqlite: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @copies)
    INSERT INTO customers (site, id, container, email, external_id, private_ref, phone_key, profile, consent, stats, status,
      anonymised, journeys_cancelled_at, created_at, updated_at, written_at)
    SELECT site, id || '.' || @generation || '.' || i, container, 'c' || i || '.' || @generation || email, NULL, NULL, phone_key, profile,
      consent, stats, status, anonymised, journeys_cancelled_at, created_at + i, updated_at, written_at
    FROM customers, n WHERE site = 'shop' AND container = @list ORDER BY i`,
  postgres: `INSERT INTO customers (site, id, container, email, external_id, private_ref, phone_key, profile, consent, stats, status,
      anonymised, journeys_cancelled_at, created_at, updated_at, written_at)
    SELECT site, id || '.' || $3::integer || '.' || i, container, 'c' || i || '.' || $3::integer || email, NULL, NULL, phone_key, profile,
      consent, stats, status, anonymised, journeys_cancelled_at, created_at + i, updated_at, written_at
    FROM customers, generate_series(1, $1::integer) AS i WHERE site = 'shop' AND container = $2 ORDER BY i`,
};

async function grow(engine, db, list, copies, generation) {
  if (engine == 'sqlite') {
    const database = new Database(db);
    database.pragma('busy_timeout = 10000');
    database.prepare(COPY_SQL.sqlite).run({ copies, list, generation });
    database.exec('ANALYZE');
    database.close();
  } else {
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    await client.query(COPY_SQL.postgres, [copies, list, generation]);
    await client.query('ANALYZE customers');
    await client.end();
  }
}

async function measure(engine, db) {
  const collector = await startCollector({ port: 0, host: '127.0.0.1', db, sites: [SITE], sync: 'normal' });
  const base = collector.url;
  try {
    const { answer: list } = await request(base, 'POST', '/accounts/shop/customer_lists', { name: 'Bench customers' });
    for (let i = 0; i < 10; i++)
      await request(base, 'POST', `/customer_lists/${list.id}/customers`, {
        email: `person${i}@bench.example`, first_name: 'Ada', last_name: `Person ${i}`, phone: `+4420794600${String(i).padStart(2, '0')}`,
      });
    const report = async (stored) => {
      // A cursor half-way through (or after the first 1,000, a page's most): where a later page starts.
      const { next } = await request(base, 'GET', `/customer_lists/${list.id}/customers?count=${Math.min(1000, Math.max(1, Math.floor(stored / 2)))}`);
      const paths = {
        'first page': `/customer_lists/${list.id}/customers?count=100`,
        'later page': next ? `/customer_lists/${list.id}/customers?count=100&cursor=${encodeURIComponent(next)}` : undefined,
        'email prefix': `/customer_lists/${list.id}/customers?email=c1*&count=100`,
        'email suffix': `/customer_lists/${list.id}/customers?email=*%40bench.example&count=100`,
      };
      for (const [name, path] of Object.entries(paths)) {
        if (!path) continue;
        const { median, max, size } = await time(base, path);
        console.log(`${engine.padEnd(8)} ${String(stored).padStart(7)} rows  ${name.padEnd(12)}  ${String(size).padStart(3)} customers  median ${median.toFixed(2)} ms  max ${max.toFixed(2)} ms`);
      }
    };
    // 10, then 1,000 (a first page as full as at the largest size), then `--rows`: each growth
    // copies every row of the list `copies` times.
    let stored = 10;
    await report(stored);
    for (const target of [1000, ROWS]) {
      const copies = Math.max(1, Math.round(target / stored) - 1);
      await grow(engine, db, list.id, copies, target);
      stored *= copies + 1;
      await report(stored);
    }
  } finally {
    await collector.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bench-hubrise-'));
try {
  await measure('sqlite', join(dir, 'collector.db'));
  const server = await startPostgres({ fast: true });
  try {
    await measure('postgres', server.url);
  } finally {
    server.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
