/**
 * Three collector processes behind nginx (deploy/nginx/collector.conf) on one PostgreSQL, with 8
 * shoppers writing at once and one node killed with `kill -9` five times (and restarted on its
 * port): every acknowledged event is stored exactly once, and the sessions, orders and customers
 * equal those of a single SQLite collector that receives the same batches.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCollector } from '../../src/collector/collector';
import { openStore } from '../../src/collector/store/open-store';
import type { Store } from '../../src/collector/store/store';
import type { WireEvent } from '../../src/protocol/types';
import { freePort } from '../../scripts/lib/free-port.mjs';
import { startNginx } from '../../scripts/lib/nginx-server.mjs';
import { batchBody, createTestDatabase, exportAll, SHOP, type TestDatabase } from '../support/collector';

const dir = mkdtempSync(join(tmpdir(), 'multi-node-'));
const sitesPath = join(dir, 'sites.json');
writeFileSync(sitesPath, JSON.stringify([SHOP]));
const children = new Set<ChildProcess>();
const cleanups: (() => Promise<unknown> | unknown)[] = [];

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the collector CLI on `port`; resolves once it listens. */
function startNode(db: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/collector/cli.ts', '--port', String(port), '--host', '127.0.0.1', '--db', db, '--sites', sitesPath],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr!.on('data', (chunk) => {
      log += chunk;
      if (/listening on/.test(log)) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`node exited with ${code}:\n${log}`)));
  });
}

const SHOPPERS = 8;
const BATCHES_PER_SHOPPER = 120;

/** One shopper's batches: its visitor and sessions, carts, an email, profile data, lists and conversions. */
function shopperBatches(shopper: number): WireEvent[][] {
  let seq = 0;
  const batches: WireEvent[][] = [];
  for (let batch = 0; batch < BATCHES_PER_SHOPPER; batch++) {
    const order = `order-${shopper}-${Math.floor(batch / 40)}`;
    const event = (type: WireEvent['type'], data: unknown, inOrder = false): WireEvent =>
      ({
        id: `mn-${shopper}-${++seq}`,
        seq,
        type,
        ts: 1_763_700_000_000 + shopper * 1_000_000 + seq * 1000,
        visitor: `visitor-${shopper}`,
        session: `session-${shopper}-${Math.floor(batch / 60)}`,
        order: inOrder ? order : null,
        url: `https://shop.example/p/${seq}`,
        data,
      }) as WireEvent;
    const events = [
      event('page_view', { url: `https://shop.example/p/${seq + 1}`, title: 'Product' }),
      event('product_view', { product_id: `p${batch % 7}`, price: 1000 + batch }),
      event('cart_item', { product_id: `p${batch % 7}`, item_qty: 1 + (batch % 3), price: 1000 + batch }, true),
      event('cart_item', { product_id: `q${batch % 4}`, item_qty: 2, price: 500 }, true),
      event('cart_data', { cart_value: 10_000 + batch, cart_item_count: batch % 9, metadata: { [`k${batch % 5}`]: `v${batch}` } }, true),
      event('session_metadata', { metadata: { [`s${batch % 3}`]: `m${batch}` } }),
    ];
    if (batch % 6 == 2) events.push(event('customer_data', { first_name: `Name${batch}`, city: `City${shopper}`, metadata: { [`c${batch % 4}`]: `x${batch}` } }));
    if (batch % 6 == 3) events.push(event('customer_email', { email: `shopper${shopper}@shop.example`, source: 'form' }, true));
    if (batch % 8 == 5) events.push(event('list_subscription', { email: `shopper${shopper}@shop.example`, list_id: `list-${batch % 3}` }));
    if (batch % 10 == 7) events.push(event('cart_item_removed', { product_id: `q${batch % 4}` }, true));
    if (batch % 10 == 9) events.push(event('conversion', { cart_data: { order_number: `N-${shopper}-${batch}` } }, true));
    batches.push(events);
  }
  return batches;
}

/** Posts until a 200 (the library's retries, compressed); resolves the number of attempts. */
async function deliver(url: string, events: WireEvent[]): Promise<number> {
  for (let attempt = 1; attempt <= 200; attempt++) {
    try {
      const response = await fetch(`${url}/v4/shop`, { method: 'POST', headers: { origin: 'https://shop.example' }, body: batchBody(events) });
      if (response.status == 200) {
        const reply = (await response.json()) as { accepted: number; duplicates: number; rejected: unknown[] };
        expect(reply.rejected).toEqual([]);
        expect(reply.accepted + reply.duplicates).toBe(events.length);
        return attempt;
      }
      await response.arrayBuffer();
    } catch {
      // the connection broke with the node: retry like the library does
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('a batch was never acknowledged');
}

/** What a shopper's records look like, without ids and server times that differ between runs. */
async function recordsOf(store: Store, shopper: number) {
  const customer = await store.getCustomer('shop', `shopper${shopper}@shop.example`);
  const orders = await Promise.all([0, 1, 2].map((index) => store.getOrder('shop', `order-${shopper}-${index}`)));
  const sessions = await Promise.all([0, 1].map((index) => store.getSession('shop', `session-${shopper}-${index}`)));
  const { id: _id, created_at: _created, updated_at: _updated, ...stableCustomer } = customer ?? ({} as Record<string, unknown>);
  return { customer: stableCustomer, orders, sessions };
}

describe('three nodes behind nginx on one PostgreSQL', () => {
  it('stores every acknowledged event exactly once through 5 kill -9s, with the records of a single node', { timeout: 240_000 }, async () => {
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.drop());
    const ports = [await freePort(), await freePort(), await freePort()];
    const nodes: ChildProcess[] = [];
    for (const port of ports) nodes.push(await startNode(database.db, port));
    const proxy = await startNginx({ upstreams: ports, port: await freePort() });
    cleanups.push(() => proxy.stop());

    const plans = Array.from({ length: SHOPPERS }, (_, shopper) => shopperBatches(shopper));
    let killing = true;
    let retries = 0;
    const writers = plans.map(async (batches) => {
      for (const events of batches) {
        retries += (await deliver(proxy.url, events)) - 1;
        // Spread the writes over the five kills, then send the rest at once.
        if (killing) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    // The killer: five times, a random node dies mid-write and comes back on its port.
    const kills: number[] = [];
    const killer = (async () => {
      for (let round = 0; round < 5; round++) {
        await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 500));
        const index = Math.floor(Math.random() * nodes.length);
        const dead = new Promise((resolve) => nodes[index].once('exit', resolve));
        nodes[index].kill('SIGKILL');
        await dead;
        kills.push(index);
        nodes[index] = await startNode(database.db, ports[index]);
      }
      killing = false;
    })();
    await Promise.all(writers);
    await killer;
    expect(kills.length).toBe(5);
    // The test's premise: requests did hit dying nodes (nginx passed them on to the others).
    const cut = (proxy.errorLog().match(/upstream prematurely closed|Connection refused|Connection reset/g) ?? []).length;
    expect(cut).toBeGreaterThan(0);

    // Every acknowledged event once (an export shows an event once all older transactions ended).
    const sent = plans.flat(2).map((event) => event.id);
    let exported: WireEvent[];
    for (const deadline = Date.now() + 30_000; ; ) {
      exported = await exportAll(proxy.url);
      if (exported.length >= sent.length || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const ids = exported.map((event) => event.id);
    expect(ids.length).toBe(sent.length);
    expect(new Set(ids).size).toBe(sent.length);
    expect([...ids].sort()).toEqual([...sent].sort());

    // The same batches into one SQLite collector, each shopper in order.
    const single = await startCollector({ port: 0, host: '127.0.0.1', db: join(dir, 'single.db'), sites: [SHOP] });
    cleanups.push(() => single.close());
    await Promise.all(plans.map(async (batches) => {
      for (const events of batches) await deliver(single.url, events);
    }));
    const postgres = await openStore(database.db);
    const sqlite = await openStore(join(dir, 'single.db'));
    cleanups.push(() => postgres.close(), () => sqlite.close());
    for (let shopper = 0; shopper < SHOPPERS; shopper++) {
      const expected = await recordsOf(sqlite, shopper);
      expect(expected.customer).toHaveProperty('email', `shopper${shopper}@shop.example`);
      expect(await recordsOf(postgres, shopper)).toEqual(expected);
    }
    console.info(
      `3 nodes, 5 kill -9: ${sent.length} events from ${SHOPPERS} shoppers stored once each; ` +
        `${cut} requests cut by a kill and passed on by nginx, ${retries} batches retried by the clients; nodes killed: ${kills.join(', ')}`,
    );
  });
});
