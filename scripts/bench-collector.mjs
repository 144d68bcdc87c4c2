#!/usr/bin/env node
/**
 * Collector throughput benchmark, loopback only, bounded in count and time.
 *
 *   node --import tsx scripts/bench-collector.mjs [--db sqlite|postgres|all] [--nodes 1,3]
 *        [--events 100000] [--batch 20] [--concurrency 16] [--sync full|normal]
 *
 * For each configuration it starts the collector as child processes (so that the load generator
 * shares no event loop with them) on 127.0.0.1 with a fresh database: SQLite in a temp file, or
 * a throwaway PostgreSQL server (durable settings) shared by N nodes. N concurrent keep-alive
 * clients post beacon batches of a realistic mix (page views, product views, cart lines and
 * totals, emails) until the total is sent, spread over the nodes in turn (as a load balancer
 * would). Prints one table row per configuration: events/s, latency percentiles, and CPU per
 * event of the collector processes and of the database server processes.
 * The default (`--db all`) is SQLite with 1 node, then PostgreSQL with 1 and with 3 nodes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startPostgres } from './lib/postgres-server.mjs';

const { values: options } = parseArgs({
  options: {
    db: { type: 'string', default: 'all' },
    nodes: { type: 'string', default: '' },
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    sync: { type: 'string', default: 'full' },
  },
});
const TOTAL_EVENTS = Math.min(1_000_000, Number(options.events));
const BATCH_EVENTS = Math.min(500, Number(options.batch));
const CONCURRENCY = Math.min(256, Number(options.concurrency));
const TIME_LIMIT_MS = 300_000;
const SITE = { id: 'bench', origins: ['https://shop.example'], key: 'bench-key', secret: 'bench-secret' };

/** The configurations to run, in order. */
function configurations() {
  const nodes = options.nodes ? options.nodes.split(',').map(Number) : undefined;
  if (options.db == 'sqlite') return (nodes ?? [1]).map(() => ({ db: 'sqlite', nodes: 1 }));
  if (options.db == 'postgres') return (nodes ?? [1, 3]).map((count) => ({ db: 'postgres', nodes: count }));
  return [{ db: 'sqlite', nodes: 1 }, ...(nodes ?? [1, 3]).map((count) => ({ db: 'postgres', nodes: count }))];
}

/**
 * CPU time (user + system) a process has used so far, from /proc (Linux); 0 when it is gone.
 * Unlike wall time it does not depend on what else runs on the machine.
 */
function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** Pids of every PostgreSQL server process (the postmaster and its backends). */
function postgresPids() {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() == 'postgres';
      } catch {
        return false;
      }
    });
}

/** Starts one collector process on `db`; resolves its port and process. */
function startNode(dir, db) {
  const sitesPath = join(dir, 'sites.json');
  writeFileSync(sitesPath, JSON.stringify([SITE]));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/collector/cli.ts', '--port', '0', '--host', '127.0.0.1', '--db', db, '--sites', sitesPath, '--sync', options.sync],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (match) resolve({ port: Number(match[1]), child });
    });
    child.on('exit', (code) => reject(new Error(`collector exited (${code}):\n${log}`)));
  });
}

const stopNode = ({ child }) =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });

const TYPES = ['page_view', 'product_view', 'cart_item', 'cart_item', 'cart_data', 'page_view', 'customer_email', 'product_view'];

/** One client's events: its own visitor, session and order, growing seq. */
function createEventSource(client) {
  let seq = 0;
  return () => {
    seq++;
    const type = TYPES[seq % TYPES.length];
    const product = { product_id: `SKU-${seq % 50}`, name: `Product ${seq % 50}`, price: 1999 + (seq % 7) * 100, category: ['bench', 'items'] };
    const data =
      type == 'page_view' ? { url: `https://shop.example/p/${seq}`, title: 'Product page', referrer: 'https://shop.example/' }
      : type == 'product_view' ? product
      : type == 'cart_item' ? { ...product, item_qty: 1 + (seq % 3), qty_price: product.price * (1 + (seq % 3)) }
      : type == 'cart_data' ? { cart_value: 5997 + seq, cart_item_count: 3, return_url: 'https://shop.example/cart' }
      : { email: `shopper${client}@shop.example`, source: 'form' };
    return {
      id: `b${client}-${seq}-${Math.random().toString(36).slice(2, 10)}`,
      seq,
      type,
      ts: Date.now(),
      visitor: `visitor-${client}`,
      session: `session-${client}-${Math.floor(seq / 500)}`,
      order: type == 'page_view' || type == 'product_view' ? null : `order-${client}-${Math.floor(seq / 200)}`,
      url: `https://shop.example/p/${seq}`,
      data,
    };
  };
}

function post(agent, port, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: '127.0.0.1', port, path: `/v4/${SITE.id}`, method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const readLoad = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  } catch {
    return 'n/a';
  }
};

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Runs the load against `ports`; resolves the measured figures. */
async function load(ports, cpuSeconds) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const requests = Math.ceil(TOTAL_EVENTS / BATCH_EVENTS);
  const latencies = [];
  let issued = 0;
  let accepted = 0;
  let failures = 0;
  const deadline = Date.now() + TIME_LIMIT_MS;
  const body = (next) => JSON.stringify({ v: 4, lib: 'bench', site: SITE.id, sent_at: Date.now(), events: Array.from({ length: BATCH_EVENTS }, next) });

  // Warm-up (not measured): JIT, page caches, connections.
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, c) => post(agent, ports[c % ports.length], body(createEventSource(`w${c}`)))));

  const before = cpuSeconds();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, client) => {
      const next = createEventSource(client);
      while (issued < requests && Date.now() < deadline) {
        const port = ports[issued++ % ports.length];
        const text = body(next);
        const sentAt = performance.now();
        const reply = await post(agent, port, text);
        latencies.push(performance.now() - sentAt);
        if (reply.status == 200) accepted += JSON.parse(reply.text).accepted;
        else failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = cpuSeconds();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    events: accepted,
    failures,
    seconds,
    eventsPerSecond: accepted / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    collectorMicros: ((after.collector - before.collector) * 1e6) / accepted,
    databaseMicros: after.database === undefined ? undefined : ((after.database - before.database) * 1e6) / accepted,
  };
}

async function run({ db, nodes }) {
  const dir = mkdtempSync(join(tmpdir(), 'collector-bench-'));
  const server = db == 'postgres' ? await startPostgres({ maxConnections: 100 }) : undefined;
  const running = [];
  try {
    const target = server ? server.url : join(dir, 'bench.db');
    // Nodes start one after the other: the first one migrates.
    for (let index = 0; index < nodes; index++) running.push(await startNode(dir, target));
    const cpuSeconds = () => ({
      collector: running.reduce((sum, node) => sum + cpuSecondsOf(node.child.pid), 0),
      database: server ? postgresPids().reduce((sum, pid) => sum + cpuSecondsOf(pid), 0) : undefined,
    });
    return { db, nodes, ...(await load(running.map((node) => node.port), cpuSeconds)) };
  } finally {
    await Promise.all(running.map(stopNode));
    server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const rows = [];
  for (const configuration of configurations()) rows.push(await run(configuration));
  console.log(`${CONCURRENCY} clients x ${BATCH_EVENTS}-event batches, ${TOTAL_EVENTS.toLocaleString('en-US')} events per row, SQLite synchronous=${options.sync}; load average ${readLoad()}\n`);
  console.log('| engine | nodes | events/s | p50 ms | p99 ms | collector CPU/event | database CPU/event |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows)
    console.log(
      `| ${row.db} | ${row.nodes} | ${Math.round(row.eventsPerSecond).toLocaleString('en-US')} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ` +
        `${row.collectorMicros.toFixed(1)} µs | ${row.databaseMicros === undefined ? 'in process' : `${row.databaseMicros.toFixed(1)} µs`} |`,
    );
  if (rows.some((row) => row.failures || row.events < TOTAL_EVENTS - BATCH_EVENTS)) {
    console.log('\nSome requests were not answered 200: the figures above are not comparable.');
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
