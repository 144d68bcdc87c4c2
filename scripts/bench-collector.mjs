#!/usr/bin/env node
/**
 * Collector throughput benchmark, loopback only, bounded in count and time.
 *
 *   node --import tsx scripts/bench-collector.mjs [--events 100000] [--batch 20]
 *        [--concurrency 16] [--sync full|normal] [--in-process]
 *
 * Starts the collector (a child process by default, so that the load generator does not share
 * its event loop) on 127.0.0.1 with a temp database, then N concurrent keep-alive clients post
 * beacon batches of a realistic mix (page views, product views, cart lines and totals, emails)
 * until the total is sent. Prints events/s, requests/s and latency percentiles.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    sync: { type: 'string', default: 'full' },
    'in-process': { type: 'boolean', default: false },
  },
});
const TOTAL_EVENTS = Math.min(1_000_000, Number(options.events));
const BATCH_EVENTS = Math.min(500, Number(options.batch));
const CONCURRENCY = Math.min(256, Number(options.concurrency));
const TIME_LIMIT_MS = 180_000;
const SITE = { id: 'bench', origins: ['https://shop.example'], key: 'bench-key', secret: 'bench-secret' };

const dir = mkdtempSync(join(tmpdir(), 'collector-bench-'));
const dbPath = join(dir, 'bench.db');

/** Starts the collector and resolves its port and a stop function. */
async function start() {
  if (options['in-process']) {
    const { startCollector } = await import('../src/collector/collector.ts');
    const collector = await startCollector({ port: 0, host: '127.0.0.1', db: dbPath, sites: [SITE], sync: options.sync });
    return { port: collector.port, cpuSeconds: () => undefined, stop: () => collector.close() };
  }
  const sitesPath = join(dir, 'sites.json');
  writeFileSync(sitesPath, JSON.stringify([SITE]));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/collector/cli.ts', '--port', '0', '--host', '127.0.0.1', '--db', dbPath, '--sites', sitesPath, '--sync', options.sync],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const port = await new Promise((resolve, reject) => {
    let log = '';
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`collector exited (${code}):\n${log}`)));
  });
  return {
    port,
    cpuSeconds: () => readCpuSeconds(child.pid),
    stop: () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); }),
  };
}

/**
 * CPU time (user + system) a process has used so far, from /proc (Linux); undefined elsewhere.
 * Unlike wall time it does not depend on what else runs on the machine.
 */
function readCpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

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

async function main() {
  const { port, stop, cpuSeconds } = await start();
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const requests = Math.ceil(TOTAL_EVENTS / BATCH_EVENTS);
  const latencies = [];
  let issued = 0;
  let accepted = 0;
  let failures = 0;
  const deadline = Date.now() + TIME_LIMIT_MS;

  // Warm-up (not measured): JIT, SQLite page cache, connections.
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, c) => {
    const next = createEventSource(`w${c}`);
    return post(agent, port, JSON.stringify({ v: 4, lib: 'bench', site: SITE.id, sent_at: Date.now(), events: Array.from({ length: BATCH_EVENTS }, next) }));
  }));

  const cpuBefore = cpuSeconds();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, client) => {
      const next = createEventSource(client);
      while (issued < requests && Date.now() < deadline) {
        issued++;
        const body = JSON.stringify({ v: 4, lib: 'bench', site: SITE.id, sent_at: Date.now(), events: Array.from({ length: BATCH_EVENTS }, next) });
        const sentAt = performance.now();
        const { status, text } = await post(agent, port, body);
        latencies.push(performance.now() - sentAt);
        if (status == 200) accepted += JSON.parse(text).accepted;
        else failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuSeconds();
  agent.destroy();
  await stop();
  rmSync(dir, { recursive: true, force: true });

  latencies.sort((a, b) => a - b);
  const rows = [
    ['mode', `${options['in-process'] ? 'in-process' : 'child process'}, synchronous=${options.sync}`],
    ['clients x batch', `${CONCURRENCY} x ${BATCH_EVENTS} events`],
    ['requests', `${latencies.length} (${failures} not 200)`],
    ['events accepted', String(accepted)],
    ['wall time', `${seconds.toFixed(2)} s`],
    ['events/s', Math.round(accepted / seconds).toLocaleString('en-US')],
    ['requests/s', Math.round(latencies.length / seconds).toLocaleString('en-US')],
    ['latency p50', `${percentile(latencies, 50).toFixed(1)} ms`],
    ['latency p95', `${percentile(latencies, 95).toFixed(1)} ms`],
    ['latency p99', `${percentile(latencies, 99).toFixed(1)} ms`],
    ['latency max', `${latencies[latencies.length - 1].toFixed(1)} ms`],
    ['collector CPU/event', cpuAfter === undefined ? 'n/a' : `${(((cpuAfter - cpuBefore) * 1e6) / accepted).toFixed(1)} µs (user+sys)`],
    ['load average (1 min)', readLoad()],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`| ${'metric'.padEnd(width)} | value |\n| ${'-'.repeat(width)} | ----- |`);
  for (const [name, value] of rows) console.log(`| ${name.padEnd(width)} | ${value} |`);
  if (failures || accepted != latencies.length * BATCH_EVENTS) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
});
