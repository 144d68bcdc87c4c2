/**
 * A collector node killed with SIGKILL while it holds a webhook delivery's lease (README
 * "Delivery": a node holds a delivery for its request timeout plus 30 s while it tries it; a node
 * that dies meanwhile leaves it to another after that, and the same id may then arrive twice).
 * Two collector processes on one PostgreSQL, on their own timers: the first claims the
 * cart_abandoned delivery and dies in the middle of the request; the second, running meanwhile,
 * leaves the delivery alone while the lease lasts, then delivers it. The receiver sees one
 * delivery id twice, acknowledges it once, and a receiver that dedupes on that id acts once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LEASE_MARGIN_MS } from '../../src/collector/domain/webhook-schedule';
import type { WireEvent } from '../../src/protocol/types';
import { freePort } from '../../scripts/lib/free-port.mjs';
import { batchBody, createTestDatabase, SHOP } from '../support/collector';
import { signatureProblem } from '../support/openssl-signature';
import { startWebhookReceiver } from '../support/webhook-receiver';

const SECRET = 'whsec-lease-kill';
const ADMIN_TOKEN = 'lease-kill-admin-token-0123456789';
/** The collector's default receiver timeout (no flag changes it): the lease is this plus LEASE_MARGIN_MS. */
const REQUEST_TIMEOUT_MS = 10_000;
const LEASE_MS = REQUEST_TIMEOUT_MS + LEASE_MARGIN_MS;

const dir = mkdtempSync(join(tmpdir(), 'lease-kill-'));
const children = new Set<ChildProcess>();
const cleanups: (() => Promise<unknown> | unknown)[] = [];

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the collector CLI on `port`; resolves once it listens. */
function startNode(db: string, sitesPath: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/collector/cli.ts', '--port', String(port), '--host', '127.0.0.1', '--db', db, '--sites', sitesPath, '--tick-ms', '100', '--admin-token', ADMIN_TOKEN],
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

/** Polls `check` every 50 ms until it holds; resolves the time it was first seen holding. */
async function until(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50)))
    if (check()) return Date.now();
  throw new Error(`timed out waiting for ${what}`);
}

async function deliveriesSeenBy(base: string): Promise<Record<string, unknown>[]> {
  const login = await fetch(`${base}/inspector/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${ADMIN_TOKEN}`,
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0];
  const response = await fetch(`${base}/webhooks/deliveries`, { headers: { cookie } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { deliveries: Record<string, unknown>[] }).deliveries;
}

it('delivers, from another node once the lease has ended, a webhook whose node was killed mid-request; one id, acknowledged once', { timeout: 150_000 }, async () => {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const receiver = await startWebhookReceiver();
  cleanups.push(() => receiver.close());
  // The first request is never answered: the node that sends it is killed while it waits.
  receiver.script({ hangMs: 5 * 60_000 });
  const sitesPath = join(dir, 'sites.json');
  // A 1.2-second buffer: these nodes run on the real clock.
  writeFileSync(sitesPath, JSON.stringify([{ ...SHOP, abandonment_minutes: 0.02, webhooks: [{ url: receiver.url, secret: SECRET }] }]));
  const [portA, portB] = [await freePort(), await freePort()];
  const nodeA = await startNode(database.db, sitesPath, portA);

  const event = (type: WireEvent['type'], data: unknown, order: string | null): WireEvent =>
    ({ id: `lease-${type}`, seq: 1, type, ts: Date.now(), visitor: 'lease-v', session: 'lease-s', order, url: 'https://shop.example/cart', data }) as WireEvent;
  const beacon = await fetch(`http://127.0.0.1:${portA}/v4/shop`, {
    method: 'POST',
    headers: { origin: 'https://shop.example' },
    body: batchBody([event('cart_item', { product_id: 'SKU-1', price: 1000 }, 'lease-o'), event('customer_email', { email: 'lease@shop.example', source: 'api' }, null)]),
  });
  expect(beacon.status).toBe(200);

  // Node A claims the delivery and is waiting for the receiver's answer.
  const firstSeen = await until(() => receiver.received.length == 1, 20_000, "node A's attempt");
  // Node B starts while A is alive and holds the lease: it must not take the delivery.
  await startNode(database.db, sitesPath, portB);
  const dead = new Promise((resolve) => nodeA.once('exit', resolve));
  nodeA.kill('SIGKILL');
  await dead;
  expect(await deliveriesSeenBy(`http://127.0.0.1:${portB}`)).toMatchObject([{ type: 'cart_abandoned', state: 'pending', attempts: 1 }]);

  const secondSeen = await until(() => receiver.received.length >= 2, LEASE_MS + 20_000, "node B's attempt");
  const waited = secondSeen - firstSeen;
  console.info(`node A killed mid-request; node B sent the delivery ${(waited / 1000).toFixed(1)} s after A's attempt (lease ${LEASE_MS / 1000} s)`);
  // Not before the lease ended (A claimed it a moment before its request arrived), and soon after.
  expect(waited).toBeGreaterThan(LEASE_MS - 2000);
  expect(waited).toBeLessThan(LEASE_MS + 10_000);

  // Nothing more: the delivery is done.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const [killed, delivered, ...more] = receiver.received;
  expect(more).toEqual([]);
  expect(killed.answered).toBeNull();
  expect(delivered.answered).toBe(200);
  expect(killed.headers['x-rejoiner-delivery']).toBe(delivered.headers['x-rejoiner-delivery']);
  expect(killed.rawBody).toBe(delivered.rawBody);
  for (const hook of [killed, delivered]) {
    expect(signatureProblem(SECRET, hook.rawBody, hook.headers['x-rejoiner-signature'])).toBeNull();
    expect(hook.body).toMatchObject({ id: hook.headers['x-rejoiner-delivery'], type: 'cart_abandoned', data: { session: { id: 'lease-s' } } });
  }
  expect(receiver.acknowledged()).toEqual([delivered]);

  // A merchant's receiver that acts once per X-Rejoiner-Delivery sends one reminder for the two requests.
  const reminders = new Map<string, unknown>();
  for (const hook of receiver.received) if (!reminders.has(hook.headers['x-rejoiner-delivery'] as string)) reminders.set(hook.headers['x-rejoiner-delivery'] as string, hook.body.data.customer.email);
  expect([...reminders.values()]).toEqual(['lease@shop.example']);

  expect(await deliveriesSeenBy(`http://127.0.0.1:${portB}`)).toMatchObject([
    { id: delivered.body.id, type: 'cart_abandoned', state: 'delivered', attempts: 2, last_status: 200 },
  ]);
});
