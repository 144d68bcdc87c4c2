/**
 * Erasure reaches the webhook outbox (README "Erasure", "Webhooks"): forgetting a customer (REST
 * DELETE, Custobar `is_forgotten`, HubRise anonymise) deletes every delivery about the person,
 * pending, dead, delivered or suppressed, so that neither the dashboard's JSON nor any row of the
 * database carries its email, and the receiver hears nothing about it afterwards. Another
 * customer's deliveries stay. Runs on SQLite and on PostgreSQL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/collector/store/open-store';
import type { WireEvent } from '../../src/protocol/types';
import { batchBody, makeEvent, postBeacon, SHOP, signedRequest, startTestCollector, testEngine, type TestCollector } from '../support/collector';
import { countRows, hubrise } from '../support/hubrise';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const TOKEN = 'shop-token-for-erasure-webhook-tests';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let collector: TestCollector;
let receiver: WebhookReceiver;
let cookie = '';
/** The automation's clock: only forward, never behind the real one (events are stored at real time). */
let clock = 0;
const tick = (at: number) => collector.automation.tick((clock = Math.max(clock, at)));
const after = (ms: number): number => Math.max(clock, Date.now()) + ms;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  collector = await startTestCollector({
    sites: [{ ...SHOP, token: TOKEN, webhooks: [{ url: receiver.url, secret: 'whsec-erasure' }] }],
    automation: { intervalMs: 0, requestTimeoutMs: 400 },
  });
  const login = await fetch(`${collector.url}/inspector/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${TOKEN}`,
  });
  cookie = login.headers.get('set-cookie')!.split(';')[0];
});
afterAll(async () => {
  await collector.dispose();
  await receiver.close();
});

/** A session of `email` with a cart in it, told to the collector through a beacon. */
async function abandonCart(email: string, name: string): Promise<string> {
  const session = `s-${name}`;
  const event = (type: WireEvent['type'], data: unknown, inOrder = false): WireEvent =>
    makeEvent({ type, data, visitor: `v-${name}`, session, order: inOrder ? `o-${name}` : null, ts: Date.now(), url: `https://shop.example/${name}` } as Partial<WireEvent>);
  const response = await postBeacon(collector.url, batchBody([
    event('cart_item', { product_id: 'SKU-1', name: 'Lamp', price: 4999, item_qty: 1 }, true),
    event('cart_data', { cart_value: 4999, cart_item_count: 1, return_url: `https://shop.example/cart?for=${encodeURIComponent(email)}` }, true),
    event('customer_email', { email, source: 'api' }),
  ]));
  expect(response.status).toBe(200);
  return session;
}

/** Every byte of the SQLite database and its side files. */
const databaseBytes = (): Buffer =>
  Buffer.concat(readdirSync(dirname(collector.dbPath)).filter((name) => name.startsWith('collector.db')).map((name) => readFileSync(join(dirname(collector.dbPath), name))));

/** Every delivery the dashboard lists, as its JSON says it. */
async function dashboardDeliveries(): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${collector.url}/webhooks/deliveries?limit=100`, { headers: { cookie } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { deliveries: Record<string, unknown>[] }).deliveries;
}
const statesOf = async (email: string): Promise<string[]> =>
  (await dashboardDeliveries()).filter((delivery) => delivery.email == email).map((delivery) => delivery.state as string).sort();

/** Rows of the outbox that carry `email` anywhere: its email column, its body, its URL or its last error. */
const rowsCarrying = (email: string): Promise<number> =>
  countRows(
    collector,
    `SELECT count(*) FROM webhook_deliveries WHERE email = $1 OR body LIKE $2 OR url LIKE $3 OR coalesce(last_error, '') LIKE $4`,
    [email, `%${email}%`, `%${email}%`, `%${email}%`],
  );

const customerIdOf = async (email: string): Promise<string> => {
  const response = await signedRequest(collector.url, 'GET', `/api/v1/shop/customers/${encodeURIComponent(email)}/`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: string }).id;
};

const custobar = (customers: unknown[]) =>
  fetch(`${collector.url}/api/customers/upload/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${SHOP.key}:${TOKEN}`).toString('base64')}` },
    body: JSON.stringify({ customers }),
  });

describe('erasing a customer with webhook deliveries', () => {
  it('deletes its delivered, dead, suppressed and pending deliveries, keeps another customer’s, and the receiver gets nothing more', async () => {
    const email = 'erase.my.webhooks@shop.example';
    const bystander = 'keeps.his.webhooks@shop.example';
    const rest = (path: string, body: unknown) => signedRequest(collector.url, 'POST', `/api/v1/shop/${path}`, body);

    // delivered: an opt-in, and the bystander's own.
    expect((await rest('customer/opt_in/', { email })).status).toBe(200);
    expect((await rest('customer/opt_in/', { email: bystander })).status).toBe(200);
    await tick(after(0));
    // dead: an abandoned cart that the receiver refuses until the horizon.
    await abandonCart(email, 'dead');
    receiver.script({ status: 503 }, { status: 503 });
    const t1 = after(31 * MINUTE);
    await tick(t1);
    await tick(t1 + 24 * HOUR - 10_000);
    // suppressed: a cart abandoned after the customer's journeys were cancelled.
    await abandonCart(email, 'suppressed');
    expect((await rest('customer/cancel/', { email })).status).toBe(200);
    await tick(after(31 * MINUTE));
    // pending: a later cart whose first attempt failed, due again in a minute or less.
    await new Promise((resolve) => setTimeout(resolve, 5)); // the session starts after the cancel, on any clock
    await abandonCart(email, 'pending');
    receiver.script({ status: 500 });
    const t2 = after(31 * MINUTE);
    await tick(t2);

    expect(await statesOf(email)).toEqual(['dead', 'delivered', 'pending', 'suppressed']);
    expect(await rowsCarrying(email)).toBe(4);
    if (testEngine() == 'sqlite') expect(databaseBytes().includes(email)).toBe(true);
    const heard = receiver.received.length;

    const erased = await signedRequest(collector.url, 'DELETE', `/api/v2/shop/customers/${await customerIdOf(email)}/`);
    expect(erased.status).toBe(204);

    const listed = JSON.stringify(await dashboardDeliveries());
    expect(listed).not.toContain(email);
    expect(listed).not.toContain(encodeURIComponent(email));
    expect(await rowsCarrying(email)).toBe(0);
    expect(await rowsCarrying(encodeURIComponent(email))).toBe(0);
    expect(await statesOf(bystander)).toEqual(['delivered']);
    // SQLite: not in the file's bytes either (freed pages zeroed, the write-ahead log emptied before the answer).
    if (testEngine() == 'sqlite') expect(databaseBytes().includes(email)).toBe(false);

    // The pending one was due again within a minute: hours of ticks later, nothing went out.
    for (const at of [t2 + MINUTE, t2 + HOUR, t2 + 25 * HOUR]) expect((await tick(at)).attempted).toBe(0);
    expect(receiver.received.length).toBe(heard);
  });

  it('does the same for a Custobar forget and a HubRise anonymise', async () => {
    const forgotten = 'forgotten.by.custobar@shop.example';
    const anonymised = 'anonymised.by.hubrise@shop.example';
    await abandonCart(forgotten, 'custobar');
    await abandonCart(anonymised, 'hubrise');
    receiver.script({ status: 500 }, { status: 500 });
    const t1 = after(31 * MINUTE);
    await tick(t1);
    expect(await statesOf(forgotten)).toEqual(['pending']);
    expect(await statesOf(anonymised)).toEqual(['pending']);
    const heard = receiver.received.length;

    expect((await custobar([{ email: forgotten, is_forgotten: true }])).status).toBe(200);
    const id = await customerIdOf(anonymised);
    const answer = await hubrise(collector.url, 'POST', `/customer_lists/default/customers/${id}/anonymise`, undefined, { token: TOKEN });
    expect(answer.status).toBe(200);

    for (const email of [forgotten, anonymised]) {
      expect(await statesOf(email)).toEqual([]);
      expect(JSON.stringify(await dashboardDeliveries())).not.toContain(email);
      expect(await rowsCarrying(email)).toBe(0);
    }
    for (const at of [t1 + MINUTE, t1 + HOUR]) expect((await tick(at)).attempted).toBe(0);
    expect(receiver.received.length).toBe(heard);
  });

  it('never sends a delivery that another node had claimed when the erasure committed', async () => {
    const email = 'erased.while.claimed@shop.example';
    await abandonCart(email, 'claimed');
    // A second node on the same database: it claims the due delivery, then the erasure commits on the first.
    const node = await openStore(collector.db);
    try {
      const t1 = (clock = after(31 * MINUTE));
      await node.lifecycle.detectAbandonments({ id: SHOP.id, bufferMs: 30 * MINUTE, endpoints: [{ url: receiver.url }], secret: SHOP.secret }, t1);
      const [claimed] = (await node.lifecycle.claimDeliveries(t1, t1 + MINUTE, 10)).filter((delivery) => delivery.email == email);
      expect(claimed).toBeDefined();
      expect((await signedRequest(collector.url, 'DELETE', `/api/v2/shop/customers/${await customerIdOf(email)}/`)).status).toBe(204);
      // What the node reads just before its attempt: the delivery is gone, so it does not send it.
      expect(await node.lifecycle.suppressionNow(claimed)).toBe('erased');
      await node.lifecycle.finishDeliveries([{ delivery: claimed, change: { state: 'delivered', next_at: t1, last_status: 200, last_error: null, delivered_at: t1 } }], t1);
      expect(await rowsCarrying(email)).toBe(0);
    } finally {
      await node.close();
    }
  });
});
