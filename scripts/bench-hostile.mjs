#!/usr/bin/env node
/**
 * What hostile traffic costs the collector (SQLite), as numbers:
 *
 *   node --import tsx scripts/bench-hostile.mjs [--root DIR]
 *
 * 1. A growing order: five ~630 KB beacons of 600 cart lines (~1 KB each) into ONE order, one
 *    after the other, then five that change lines the order holds. Prints each beacon's time
 *    from send to answer (the collector does nothing else meanwhile), so a cost that grows with
 *    the order shows as a growing column. (The collector keeps 500 lines per order; the lines
 *    past them are refused one by one.)
 * 2. A lock held by another process: while a second process holds the database's write lock,
 *    8 beacons are sent at once and /healthz is asked every 50 ms. Prints how long the beacons
 *    took to be answered and the slowest health answer.
 *
 * `--root` runs the collector of another checkout (to compare with an earlier version).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({ options: { root: { type: 'string', default: '.' } } });
const ROOT = resolve(options.root);
const SITE = { id: 'shop', origins: ['https://shop.example'], key: 'k', secret: 's' };
const dir = mkdtempSync(join(tmpdir(), 'bench-hostile-'));
const dbPath = join(dir, 'collector.db');

function startNode() {
  const sites = join(dir, 'sites.json');
  writeFileSync(sites, JSON.stringify([SITE]));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/collector/cli.ts', '--port', '0', '--host', '127.0.0.1', '--db', dbPath, '--sites', sites], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolvePort, reject) => {
    let log = '';
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const match = /listening on (http:\/\/[\d.:]+)/.exec(log);
      if (match) resolvePort({ url: match[1], child });
    });
    child.on('exit', (code) => reject(new Error(`collector exited (${code}): ${log}`)));
  });
}

let seq = 0;
const text = (char, length) => char.repeat(length);
const line = (productId) => ({
  id: `h-${++seq}-${Math.random().toString(36).slice(2)}`,
  seq,
  type: 'cart_item',
  ts: 1_763_700_000_000 + seq,
  visitor: 'v',
  session: 's',
  order: 'big-order',
  url: 'https://shop.example/cart',
  data: {
    product_id: productId,
    name: text('n', 2000),
    description: text('d', 2000),
    product_url: `https://shop.example/${text('p', 3000)}`,
    image_url: `https://shop.example/${text('i', 3000)}`,
  },
});

const post = async (url, events) => {
  const started = performance.now();
  const response = await fetch(`${url}/v4/shop`, { method: 'POST', headers: { origin: 'https://shop.example' }, body: JSON.stringify({ v: 4, site: 'shop', events }) });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
};

const smallLine = (productId) => ({ ...line(productId), data: { product_id: productId, name: text('n', 900), price: 1999, item_qty: 1 } });

async function growingOrder(url) {
  const rows = [];
  for (let beacon = 0; beacon < 5; beacon++) {
    const { status, ms } = await post(url, Array.from({ length: 600 }, (_, i) => smallLine(`p${beacon * 600 + i}`)));
    rows.push([`600 new lines`, status, ms]);
  }
  for (let beacon = 0; beacon < 5; beacon++) {
    const { status, ms } = await post(url, Array.from({ length: 600 }, (_, i) => smallLine(`p${(beacon * 97 + i) % 500}`)));
    rows.push([`600 changed lines`, status, ms]);
  }
  return rows;
}

async function heldLock(url) {
  const script = `const db = new (require('better-sqlite3'))(process.argv[1]); db.exec('BEGIN EXCLUSIVE'); console.log('locked'); setTimeout(() => process.exit(0), 10000);`;
  const holder = spawn(process.execPath, ['-e', script, dbPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolveLocked) => holder.stdout.once('data', resolveLocked));
  const started = performance.now();
  let slowestHealth = 0;
  let polling = true;
  const health = (async () => {
    while (polling) {
      const at = performance.now();
      await fetch(`${url}/healthz`).then((response) => response.arrayBuffer()).catch(() => {});
      slowestHealth = Math.max(slowestHealth, performance.now() - at);
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
  })();
  const beacons = await Promise.all(Array.from({ length: 8 }, (_, i) => post(url, [{ ...line(`lock-${i}`), order: `o-${i}` }]).catch(() => ({ status: 'reset', ms: performance.now() - started }))));
  const answeredMs = performance.now() - started;
  polling = false;
  await health;
  holder.kill('SIGKILL');
  return { beacons, answeredMs, slowestHealth };
}

async function main() {
  const node = await startNode();
  try {
    console.log(`collector of ${ROOT}\n\n| beacon into one order | status | time (ms) |\n| --- | --- | --- |`);
    for (const [what, status, ms] of await growingOrder(node.url)) console.log(`| ${what} | ${status} | ${ms.toFixed(0)} |`);
    const lock = await heldLock(node.url);
    console.log(`\nWrite lock held by another process for 10 s: 8 beacons answered ${lock.beacons.map((b) => b.status).join(', ')} ` +
      `after ${lock.answeredMs.toFixed(0)} ms; slowest /healthz answer meanwhile ${lock.slowestHealth.toFixed(0)} ms`);
  } finally {
    node.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
});
