/**
 * Several collector nodes on one PostgreSQL: every abandonment is detected once and its
 * webhook acknowledged under one delivery id, whether the nodes tick at the same instant (an
 * injected clock) or run on their own timers while they are killed with `kill -9` and restarted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../src/collector/collector';
import { verifyWebhook } from '../../src/node/webhooks';
import type { WireEvent } from '../../src/protocol/types';
import { freePort } from '../../scripts/lib/postgres-server.mjs';
import { batchBody, createTestDatabase, SHOP } from '../support/collector';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const SECRET = 'whsec-nodes';
const dir = mkdtempSync(join(tmpdir(), 'abandonment-nodes-'));
const children = new Set<ChildProcess>();
const cleanups: (() => Promise<unknown> | unknown)[] = [];

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Batches of `count` shoppers, each with a cart and an email, 50 shoppers a batch. */
function shopperBatches(prefix: string, count: number): WireEvent[][] {
  const batches: WireEvent[][] = [];
  let seq = 0;
  for (let start = 0; start < count; start += 50) {
    const events: WireEvent[] = [];
    for (let shopper = start; shopper < Math.min(count, start + 50); shopper++) {
      const base = { visitor: `${prefix}-v${shopper}`, session: `${prefix}-s${shopper}`, ts: Date.now(), url: 'https://shop.example/cart' };
      events.push(
        { ...base, id: `${prefix}-${++seq}`, seq, type: 'cart_item', order: `${prefix}-o${shopper}`, data: { product_id: 'SKU-1', price: 1000, item_qty: 1 } },
        { ...base, id: `${prefix}-${++seq}`, seq, type: 'customer_email', order: null, data: { email: `${prefix}${shopper}@shop.example`, source: 'api' } },
      );
    }
    batches.push(events);
  }
  return batches;
}

async function send(url: string, events: WireEvent[]): Promise<void> {
  const response = await fetch(`${url}/v4/shop`, { method: 'POST', headers: { origin: 'https://shop.example' }, body: batchBody(events) });
  expect(response.status).toBe(200);
  expect(((await response.json()) as { rejected: unknown[] }).rejected).toEqual([]);
}

/** Per session, the distinct delivery ids the receiver acknowledged; and every signature checked. */
function acknowledgedBySession(receiver: WebhookReceiver): Map<string, Set<string>> {
  const bySession = new Map<string, Set<string>>();
  for (const hook of receiver.acknowledged()) {
    expect(verifyWebhook(SECRET, hook.rawBody, hook.headers['x-rejoiner-signature'] as string)).toBe(true);
    if (hook.body.type != 'cart_abandoned') continue;
    const ids = bySession.get(hook.body.data.session.id) ?? new Set<string>();
    bySession.set(hook.body.data.session.id, ids.add(hook.headers['x-rejoiner-delivery'] as string));
  }
  return bySession;
}

/** Outbox rows per session, straight from the database. */
async function outboxRows(db: string): Promise<Map<string, number>> {
  const client = new pg.Client(db);
  await client.connect();
  try {
    const { rows } = await client.query("SELECT session, count(*)::int AS n FROM webhook_deliveries WHERE type = 'cart_abandoned' GROUP BY session");
    return new Map(rows.map((row) => [row.session as string, row.n as number]));
  } finally {
    await client.end();
  }
}

describe('abandonment detection on three nodes', () => {
  it('decides each of 500 idle sessions once when three nodes tick at the same instant', { timeout: 120_000 }, async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    const site = { ...SHOP, webhooks: [{ url: receiver.url, secret: SECRET }] };
    const nodes: RunningCollector[] = [];
    for (let index = 0; index < 3; index++) {
      const node = await startCollector({ port: 0, host: '127.0.0.1', db: database.db, sites: [site], automation: { intervalMs: 0 } });
      nodes.push(node);
      cleanups.push(() => node.close());
    }
    const batches = shopperBatches('same', 500);
    await Promise.all(batches.map((events, index) => send(nodes[index % 3].url, events)));

    const at = Date.now() + 31 * 60_000;
    const decidedBy = [0, 0, 0];
    for (let round = 0; round < 10; round++) {
      const reports = await Promise.all(nodes.map((node) => node.automation.tick(at)));
      reports.forEach((report, index) => (decidedBy[index] += report.detection.decided));
      if (reports.every((report) => report.detection.decided == 0 && report.attempted == 0)) break;
    }
    expect(decidedBy.reduce((a, b) => a + b)).toBe(500);
    const acknowledged = acknowledgedBySession(receiver);
    expect(acknowledged.size).toBe(500);
    for (const ids of acknowledged.values()) expect(ids.size).toBe(1);
    expect(receiver.received.length).toBe(500);
    const rows = await outboxRows(database.db);
    expect(rows.size).toBe(500);
    expect([...rows.values()].every((n) => n == 1)).toBe(true);
    console.info(`3 nodes ticking at once: 500 sessions decided once (by node: ${decidedBy.join(', ')}), 500 webhooks, one each`);
  });

  it('detects every abandonment once across kill -9 and restarts of the nodes, on their own timers', { timeout: 180_000 }, async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    const sitesPath = join(dir, 'sites.json');
    // A 3-second buffer: these nodes run on the real clock.
    writeFileSync(sitesPath, JSON.stringify([{ ...SHOP, abandonment_minutes: 0.05, webhooks: [{ url: receiver.url, secret: SECRET }] }]));
    const startNode = (port: number): Promise<ChildProcess> => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/collector/cli.ts', '--port', String(port), '--host', '127.0.0.1', '--db', database.db, '--sites', sitesPath, '--tick-ms', '100'],
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
    };
    const kill = async (child: ChildProcess): Promise<void> => {
      const dead = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await dead;
    };
    const ports = [await freePort(), await freePort(), await freePort()];
    const nodes = await Promise.all(ports.map(startNode));

    // Written, then every node dies before the buffer ends: the sessions wait in the database.
    const first = shopperBatches('restart', 150);
    await Promise.all(first.map((events, index) => send(`http://127.0.0.1:${ports[index % 3]}`, events)));
    await Promise.all(nodes.map(kill));
    await new Promise((resolve) => setTimeout(resolve, 3500));
    for (let index = 0; index < 3; index++) nodes[index] = await startNode(ports[index]);

    // More sessions, and a node killed and restarted three times while the others detect and deliver.
    const second = shopperBatches('killed', 150);
    await Promise.all(second.map((events, index) => send(`http://127.0.0.1:${ports[index % 2]}`, events)));
    for (let round = 0; round < 3; round++) {
      await new Promise((resolve) => setTimeout(resolve, 1200));
      await kill(nodes[2]);
      nodes[2] = await startNode(ports[2]);
    }

    let acknowledged = acknowledgedBySession(receiver);
    for (const deadline = Date.now() + 90_000; acknowledged.size < 300 && Date.now() < deadline; acknowledged = acknowledgedBySession(receiver))
      await new Promise((resolve) => setTimeout(resolve, 250));
    await new Promise((resolve) => setTimeout(resolve, 1000)); // later ticks must add nothing
    acknowledged = acknowledgedBySession(receiver);
    expect(acknowledged.size).toBe(300);
    for (const ids of acknowledged.values()) expect(ids.size).toBe(1);
    const rows = await outboxRows(database.db);
    expect(rows.size).toBe(300);
    expect([...rows.values()].every((n) => n == 1)).toBe(true);
    const resent = receiver.received.length - 300;
    console.info(`3 nodes, restarts and 3 kill -9: 300 abandonments detected once, ${resent} attempts repeated under the same delivery id`);
  });
});
