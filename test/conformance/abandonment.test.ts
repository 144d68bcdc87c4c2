/**
 * The session and cart lifecycle with a controllable clock (README "Abandonment"): each
 * transition, the webhooks it sends to a real receiver over HTTP (signatures checked with the
 * server client's verifyWebhook), suppression, recovery, and click-back attribution through
 * beacons. Runs on SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLICK_BACK, makeClickToken } from '../../src/collector/domain/click-token';
import { verifyWebhook } from '../../src/node/webhooks';
import type { WireEvent } from '../../src/protocol/types';
import { batchBody, makeEvent, OTHER, postBeacon, SHOP, signedRequest, startTestCollector, type TestCollector } from '../support/collector';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver';

const WEBHOOK_SECRET = 'whsec-abandonment-tests';
const TOKEN = 'shop-token-for-abandonment-tests';
const MINUTE = 60_000;

let collector: TestCollector;
let receiver: WebhookReceiver;
/** The dashboard login cookie (the site has a token, so the dashboard needs a login). */
let cookie = '';
const ADMIN_TOKEN = 'admin-token-of-the-abandonment-tests';
/** The automation's clock: it only moves forward, and never behind the real one (events are stored at real time). */
let clock = 0;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  collector = await startTestCollector({
    sites: [{ ...SHOP, token: TOKEN, webhooks: [{ url: receiver.url, secret: WEBHOOK_SECRET }] }, OTHER],
    automation: { intervalMs: 0, requestTimeoutMs: 1500 },
    adminToken: ADMIN_TOKEN,
  });
  cookie = await logIn(TOKEN);
});

/** The dashboard's login cookie for a site token or the admin token. */
async function logIn(token: string): Promise<string> {
  const login = await fetch(`${collector.url}/inspector/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${token}`,
  });
  return login.headers.get('set-cookie')!.split(';')[0];
}
afterAll(async () => {
  await collector.dispose();
  await receiver.close();
});

/** One shopper: a visitor, a session and an order of its own. */
function shopper(name: string, visitor = `v-${name}`) {
  const session = `s-${name}`;
  const order = `o-${name}`;
  const event = (type: WireEvent['type'], data: unknown, inOrder = false): WireEvent =>
    makeEvent({ type, data, visitor, session, order: inOrder ? order : null, ts: Date.now(), url: `https://shop.example/${name}` } as Partial<WireEvent>);
  return {
    visitor,
    session,
    order,
    email: `${name}@example.com`,
    event,
    cart: () => [
      event('cart_item', { product_id: 'SKU-1', name: 'Lamp', price: 4999, item_qty: 2 }, true),
      event('cart_data', { cart_value: 9998, cart_item_count: 2, return_url: `https://shop.example/cart?from=${name}` }, true),
    ],
    identify: () => event('customer_email', { email: `${name}@example.com`, source: 'api' }),
    async send(...events: WireEvent[]) {
      const response = await postBeacon(collector.url, batchBody(events));
      expect(response.status).toBe(200);
      return response.json() as Promise<{ accepted: number; rejected: { id: string; reason: string }[] }>;
    },
  };
}

const lifecycleOf = async (session: string): Promise<string> => {
  const response = await signedRequest(collector.url, 'GET', `/api/v1/shop/sessions/${session}/`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { lifecycle: string }).lifecycle;
};
/** The state the dashboard shows for a cart (its JSON read, with the login cookie). */
const dashboardState = async (order: string): Promise<string> => {
  const response = await fetch(`${collector.url}/inspector/api/search?q=${order}`, { headers: { cookie } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { carts: { state: string }[] }).carts[0].state;
};
const hooksAbout = (session: string): ReceivedWebhook[] => receiver.received.filter((hook) => hook.body.data.session?.id == session);
const conversionsOf = (email: string): ReceivedWebhook[] =>
  receiver.received.filter((hook) => hook.body.type == 'order_converted' && hook.body.data.customer.email == email);
const deliveries = async (query = '') => {
  const response = await fetch(`${collector.url}/webhooks/deliveries${query}`, { headers: { cookie } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { deliveries: Record<string, any>[] }).deliveries;
};
/** The abandonment deliveries of a session, as the dashboard's JSON lists them. */
const deliveriesOf = async (session: string) =>
  (await deliveries('?limit=100')).filter((delivery) => delivery.session == session && delivery.type != 'order_converted');
/** One round of the automation at `at`, or at the clock's time when that is later. */
const tick = (at: number) => collector.automation.tick((clock = Math.max(clock, at)));
/** A time `ms` after the later of the clock and now. */
const after = (ms: number): number => Math.max(clock, Date.now()) + ms;

describe('lifecycle', () => {
  it('keeps a session active through the buffer, then abandons its cart once and sends one signed cart_abandoned', async () => {
    const alice = shopper('alice');
    await alice.send(alice.event('page_view', { url: 'https://shop.example/', title: 'Home', referrer: '' }), ...alice.cart(), alice.identify());
    const t0 = after(0);
    await tick(t0 + 29 * MINUTE);
    expect(await lifecycleOf(alice.session)).toBe('active');
    expect(hooksAbout(alice.session)).toEqual([]);
    expect(await dashboardState(alice.order)).toBe('active');

    await tick(t0 + 31 * MINUTE);
    expect(await lifecycleOf(alice.session)).toBe('abandoned_cart');
    expect(await dashboardState(alice.order)).toBe('abandoned');
    const [hook, ...more] = hooksAbout(alice.session);
    expect(more).toEqual([]);
    expect(hook.body.type).toBe('cart_abandoned');
    expect(hook.body.site).toBe('shop');
    expect(hook.headers['x-rejoiner-delivery']).toBe(hook.body.id);
    expect(hook.headers['x-rejoiner-event']).toBe('cart_abandoned');
    expect(verifyWebhook(WEBHOOK_SECRET, hook.rawBody, hook.headers['x-rejoiner-signature'] as string)).toBe(true);
    expect(verifyWebhook('another-secret', hook.rawBody, hook.headers['x-rejoiner-signature'] as string)).toBe(false);
    expect(hook.body.data.customer).toMatchObject({ email: alice.email, consent: { email: 'unknown', profiling: 'unknown' } });
    expect(hook.body.data.cart).toMatchObject({ order_id: alice.order, cart_value: 9998, item_count: 1, items: [{ product_id: 'SKU-1', name: 'Lamp', price: 4999, item_qty: 2 }] });
    const link = new URL(hook.body.data.cart.return_url);
    expect(link.origin + link.pathname).toBe('https://shop.example/cart');
    expect(link.searchParams.get('from')).toBe('alice');
    expect(link.searchParams.get('_rjt')).toMatch(/^[\w-]+\.[\w-]{22}$/);
    // The token is opaque: no email in it.
    expect(Buffer.from(link.searchParams.get('_rjt')!.split('.')[0], 'base64url').toString()).not.toContain('@');

    await tick(t0 + 90 * MINUTE);
    expect(hooksAbout(alice.session)).toHaveLength(1);
  });

  it('abandons a browse (products viewed, no cart) and closes a session with neither, or with a cleared cart', async () => {
    const bob = shopper('bob');
    const carol = shopper('carol');
    const dave = shopper('dave');
    await bob.send(bob.event('product_view', { product_id: 'SKU-9', name: 'Chair', price: 12900 }), bob.identify());
    await carol.send(carol.event('page_view', { url: 'https://shop.example/', title: 'Home', referrer: '' }), carol.identify());
    await dave.send(...dave.cart(), dave.identify(), dave.event('cart_cleared', {}, true));
    await tick(after(31 * MINUTE));
    expect(await lifecycleOf(bob.session)).toBe('abandoned_browse');
    expect(await lifecycleOf(carol.session)).toBe('closed');
    expect(await lifecycleOf(dave.session)).toBe('closed');
    const [browse] = hooksAbout(bob.session);
    expect(browse.body.type).toBe('browse_abandoned');
    expect(browse.body.data.cart).toBeNull();
    expect(new URL(browse.body.data.return_url).searchParams.get('_rjt')).toBeTruthy();
    expect(hooksAbout(carol.session)).toEqual([]);
    expect(hooksAbout(dave.session)).toEqual([]);
  });

  it('makes a decided session active again with a later event, and a conversion after the abandonment a recovery', async () => {
    const erin = shopper('erin');
    await erin.send(...erin.cart(), erin.identify());
    await tick(after(31 * MINUTE));
    expect(await lifecycleOf(erin.session)).toBe('abandoned_cart');
    await erin.send(erin.event('page_view', { url: 'https://shop.example/cart', title: 'Cart', referrer: '' }));
    expect(await lifecycleOf(erin.session)).toBe('active');

    await erin.send(erin.event('conversion', { cart_data: { cart_value: 9998, order_number: 'A-1' } }, true));
    await tick(after(0));
    const [converted, ...more] = conversionsOf(erin.email);
    expect(more).toEqual([]);
    expect(converted.body.data).toMatchObject({ recovered: true, click_back: false, abandonment: { session: erin.session, kind: 'cart' } });
    expect(converted.body.data.abandonment.deliveries).toEqual([{ id: hooksAbout(erin.session)[0].body.id, state: 'delivered' }]);
    await tick(after(31 * MINUTE));
    expect(await lifecycleOf(erin.session)).toBe('recovered');
  });

  it('says order_converted without `recovered` for a conversion that was never abandoned', async () => {
    const fay = shopper('fay');
    await fay.send(...fay.cart(), fay.identify(), fay.event('conversion', {}, true));
    await tick(after(0));
    expect(conversionsOf(fay.email)).toHaveLength(1);
    expect(conversionsOf(fay.email)[0].body.data).toMatchObject({ recovered: false, abandonment: null, order: { order_id: fay.order, status: 'converted' } });
    await tick(after(31 * MINUTE));
    expect(await lifecycleOf(fay.session)).toBe('closed');
    expect(hooksAbout(fay.session)).toEqual([]);
  });
});

describe('suppression', () => {
  const rest = (path: string, body: unknown) => signedRequest(collector.url, 'POST', `/api/v1/shop/${path}`, body);

  it('sends no abandonment webhook for a customer who unsubscribed, and tells the merchant of the unsubscribe', async () => {
    const gus = shopper('gus');
    await gus.send(...gus.cart(), gus.identify());
    expect((await rest('customer/unsubscribe/', { email: gus.email })).status).toBe(200);
    await tick(after(31 * MINUTE));
    expect(await lifecycleOf(gus.session)).toBe('abandoned_cart');
    expect(hooksAbout(gus.session)).toEqual([]);
    expect(await deliveriesOf(gus.session)).toMatchObject([{ type: 'cart_abandoned', state: 'suppressed', last_error: 'unsubscribed', attempts: 0 }]);
    const unsubscribed = receiver.received.filter((hook) => hook.body.type == 'customer_unsubscribed' && hook.body.data.customer.email == gus.email);
    expect(unsubscribed).toHaveLength(1);
    expect(unsubscribed[0].body.data.customer.consent.email).toBe('refused');
  });

  it("tells the merchant of a Custobar import's unsubscribe and opt-in (can_email), once per change", async () => {
    const email = 'sam@example.com';
    const upload = async (customers: unknown[]) => {
      const response = await fetch(`${collector.url}/api/customers/upload/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${SHOP.key}:${TOKEN}`).toString('base64')}` },
        body: JSON.stringify({ customers }),
      });
      expect(response.status).toBe(200);
      await tick(after(0));
    };
    const heard = () =>
      receiver.received
        .filter((hook) => hook.body.type.startsWith('customer_') && (hook.body.data.customer.email == email || hook.body.data.customer.email === null))
        .map((hook) => [hook.body.type, hook.body.data.customer.consent.email]);

    await upload([{ email, first_name: 'Sam', can_email: false }]);
    expect(heard()).toEqual([['customer_unsubscribed', 'refused']]);
    // A nightly sync restates it: nothing new. Another field changes: nothing new.
    await upload([{ email, can_email: false }]);
    await upload([{ email, last_name: 'Sample' }]);
    expect(heard()).toEqual([['customer_unsubscribed', 'refused']]);
    await upload([{ email, can_email: true }]);
    expect(heard()).toEqual([['customer_unsubscribed', 'refused'], ['customer_opted_in', 'granted']]);
    // A customer without an email: nobody to write to, no webhook.
    await upload([{ external_id: 'no-email-1', can_email: false }]);
    expect(heard()).toHaveLength(2);
    const [opted] = (await deliveries('?limit=100')).filter((delivery) => delivery.type == 'customer_opted_in' && delivery.email == email);
    expect(opted).toMatchObject({ state: 'delivered', payload: { type: 'customer_opted_in', data: { customer: { email, first_name: 'Sam' } } } });
  });

  it('sends none for a customer who refused consent (profiling), and does for unknown consent', async () => {
    const hal = shopper('hal');
    await hal.send(...hal.cart(), hal.identify());
    const upload = await fetch(`${collector.url}/api/customers/upload/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${SHOP.key}:${TOKEN}`).toString('base64')}` },
      body: JSON.stringify({ customers: [{ email: hal.email, can_profile: false }] }),
    });
    expect(upload.status).toBe(200);
    await tick(after(31 * MINUTE));
    expect(hooksAbout(hal.session)).toEqual([]);
    expect(await deliveriesOf(hal.session)).toMatchObject([{ state: 'suppressed', last_error: 'consent_refused' }]);
  });

  it("sends none after customer/cancel for that session, and again for the customer's next session", async () => {
    const ida = shopper('ida');
    await ida.send(...ida.cart(), ida.identify());
    expect((await rest('customer/cancel/', { email: ida.email })).status).toBe(200);
    await tick(after(31 * MINUTE));
    expect(hooksAbout(ida.session)).toEqual([]);
    expect(await deliveriesOf(ida.session)).toMatchObject([{ state: 'suppressed', last_error: 'journeys_cancelled' }]);

    await new Promise((resolve) => setTimeout(resolve, 5)); // the next session starts after the cancel, on any clock
    const later = shopper('ida-later', ida.visitor);
    await later.send(...later.cart(), later.event('customer_email', { email: ida.email, source: 'api' }));
    await tick(after(31 * MINUTE));
    expect(hooksAbout(later.session).map((hook) => hook.body.type)).toEqual(['cart_abandoned']);
  });

  it('checks again before each attempt: a customer who unsubscribed after the abandonment gets no retry', async () => {
    const uma = shopper('uma');
    await uma.send(...uma.cart(), uma.identify());
    receiver.script({ status: 500 });
    const t1 = after(31 * MINUTE);
    await tick(t1);
    expect(await deliveriesOf(uma.session)).toMatchObject([{ state: 'pending', attempts: 1 }]);
    expect((await rest('customer/unsubscribe/', { email: uma.email })).status).toBe(200);
    await tick(t1 + 10 * MINUTE);
    expect(await deliveriesOf(uma.session)).toMatchObject([{ state: 'suppressed', last_error: 'unsubscribed', attempts: 2 }]);
    expect(hooksAbout(uma.session)).toHaveLength(1);
  });

  it('suppresses a pending abandonment webhook when the order converts first, and order_converted says so', async () => {
    const jo = shopper('jo');
    await jo.send(...jo.cart(), jo.identify());
    receiver.script({ status: 500 });
    const t1 = after(31 * MINUTE);
    await tick(t1);
    const [pending] = await deliveriesOf(jo.session);
    expect(pending).toMatchObject({ state: 'pending', attempts: 1, last_status: 500 });

    await jo.send(jo.event('conversion', {}, true));
    await tick(t1 + 1000);
    expect(await deliveriesOf(jo.session)).toMatchObject([{ id: pending.id, state: 'suppressed', last_error: 'converted' }]);
    const [converted] = conversionsOf(jo.email);
    expect(converted.body.data).toMatchObject({ recovered: true, abandonment: { deliveries: [{ id: pending.id, state: 'suppressed' }] } });
    // Later ticks never send it.
    await tick(t1 + 10 * MINUTE);
    expect(hooksAbout(jo.session).filter((hook) => hook.answered == 200)).toEqual([]);
  });
});

describe('webhook delivery', () => {
  it('retries a 500, a timeout and a 429 (waiting for its Retry-After) with one delivery id and body, then is acknowledged once', async () => {
    const kim = shopper('kim');
    await kim.send(...kim.cart(), kim.identify());
    receiver.script({ status: 500 }, { hangMs: 2000 }, { status: 429, headers: { 'retry-after': '120' } });
    const t1 = after(31 * MINUTE);
    expect((await tick(t1)).attempted).toBe(1);
    expect((await tick(t1 + 10_000)).attempted).toBe(0); // backoff after the first failure: 15-30 s
    const t2 = t1 + 31_000;
    expect((await tick(t2)).attempted).toBe(1); // hangs past the 1.5 s timeout
    const t3 = t2 + 61_000;
    expect((await tick(t3)).attempted).toBe(1); // 429, Retry-After: 120
    expect((await tick(t3 + 100_000)).attempted).toBe(0); // the backoff alone (60-120 s) could have allowed it
    expect((await tick(t3 + 121_000)).delivered).toBe(1);

    const attempts = hooksAbout(kim.session);
    expect(attempts.map((hook) => hook.answered)).toEqual([500, null, 429, 200]);
    expect(new Set(attempts.map((hook) => hook.headers['x-rejoiner-delivery'])).size).toBe(1);
    expect(new Set(attempts.map((hook) => hook.rawBody)).size).toBe(1);
    for (const hook of attempts) expect(verifyWebhook(WEBHOOK_SECRET, hook.rawBody, hook.headers['x-rejoiner-signature'] as string)).toBe(true);
    const acknowledged = receiver.acknowledged().filter((hook) => hook.body.data.session?.id == kim.session);
    expect(acknowledged).toHaveLength(1);
    expect(await deliveriesOf(kim.session)).toMatchObject([{ state: 'delivered', attempts: 4, last_status: 200 }]);
    await tick(t3 + 3600_000);
    expect(hooksAbout(kim.session)).toHaveLength(4);
  });

  it('dead-letters a delivery that fails until its horizon, and sends it again after a retry from the dashboard', async () => {
    const lou = shopper('lou');
    await lou.send(...lou.cart(), lou.identify());
    receiver.script({ status: 503 }, { status: 503 });
    const t1 = after(31 * MINUTE);
    await tick(t1);
    await tick(t1 + 24 * 3600_000 - 10_000); // the next wait would end beyond 24 h
    const [dead] = await deliveriesOf(lou.session);
    expect(dead).toMatchObject({ state: 'dead', attempts: 2, last_status: 503 });
    expect(dead.last_error).toMatch(/gave up after 2 attempts/);
    expect((await deliveries('?state=dead')).map((delivery) => delivery.id)).toContain(dead.id);

    const cross = await fetch(`${collector.url}/webhooks/deliveries/${dead.id}/retry`, { method: 'POST', headers: { cookie, origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    const retried = await fetch(`${collector.url}/webhooks/deliveries/${dead.id}/retry`, { method: 'POST', headers: { cookie } });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ id: dead.id, state: 'pending' });
    expect((await fetch(`${collector.url}/webhooks/deliveries/${dead.id}/retry`, { method: 'POST', headers: { cookie } })).status).toBe(409);
    await tick(after(0));
    expect(await deliveriesOf(lou.session)).toMatchObject([{ id: dead.id, state: 'delivered', attempts: 3 }]);
    expect(hooksAbout(lou.session).map((hook) => hook.answered)).toEqual([503, 503, 200]);
  });

  /** Starts a tick whose one attempt the receiver holds until `release()`; resolves once the attempt has arrived. */
  const tickHeldInFlight = async (at: number) => {
    const heard = receiver.received.length;
    let release = (): void => {};
    receiver.script({ status: 200, hold: new Promise<void>((resolve) => (release = resolve)) });
    const running = tick(at);
    while (receiver.received.length == heard) await new Promise((resolve) => setTimeout(resolve, 5));
    return { release, running };
  };

  it('records as delivered an attempt the receiver acknowledged after the order converted and suppressed it', async () => {
    const quinn = shopper('quinn');
    await quinn.send(...quinn.cart(), quinn.identify());
    const t1 = after(31 * MINUTE);
    const inFlight = await tickHeldInFlight(t1);
    // While the receiver holds the attempt: the order converts, and another tick suppresses the abandonment's delivery.
    await quinn.send(quinn.event('conversion', {}, true));
    await tick(t1 + 1000);
    expect(await deliveriesOf(quinn.session)).toMatchObject([{ state: 'suppressed', last_error: 'converted' }]);
    inFlight.release();
    expect((await inFlight.running).delivered).toBe(1);
    const [converted] = conversionsOf(quinn.email);
    expect(converted.body.data.abandonment.deliveries).toMatchObject([{ state: 'suppressed' }]);
    // The receiver has it: the outbox says so, and keeps why it had been suppressed.
    const [delivery] = await deliveriesOf(quinn.session);
    expect(delivery).toMatchObject({ state: 'delivered', last_status: 200, attempts: 1 });
    expect(delivery.delivered_at).not.toBeNull();
    expect(delivery.last_error).toBe('suppressed (converted) while this attempt was in flight; the receiver acknowledged it');
    await tick(t1 + 3600_000);
    expect(hooksAbout(quinn.session)).toHaveLength(1);
  });

  it('records as delivered an attempt the receiver acknowledged after the customer unsubscribed', async () => {
    const ruth = shopper('ruth');
    await ruth.send(...ruth.cart(), ruth.identify());
    const t1 = after(31 * MINUTE);
    const inFlight = await tickHeldInFlight(t1);
    expect((await signedRequest(collector.url, 'POST', '/api/v1/shop/customer/unsubscribe/', { email: ruth.email })).status).toBe(200);
    inFlight.release();
    expect((await inFlight.running).delivered).toBe(1);
    expect(await deliveriesOf(ruth.session)).toMatchObject([{ state: 'delivered', last_status: 200, last_error: null }]);
  });

  it('answers 4xx with a reason for bad listing queries and unknown deliveries', async () => {
    expect((await fetch(`${collector.url}/webhooks/deliveries?state=lost`, { headers: { cookie } })).status).toBe(400);
    expect((await fetch(`${collector.url}/webhooks/deliveries?limit=0`, { headers: { cookie } })).status).toBe(400);
    expect((await fetch(`${collector.url}/webhooks/deliveries?before=nope`, { headers: { cookie } })).status).toBe(400);
    // Hand-made cursors and site names with a NUL (which PostgreSQL refuses in a text parameter) stop at the edge.
    const nulCursor = Buffer.from(JSON.stringify([1, '\u0000'])).toString('base64url');
    const crafted = await fetch(`${collector.url}/webhooks/deliveries?before=${nulCursor}`, { headers: { cookie } });
    expect([crafted.status, await crafted.json()]).toEqual([400, { error: 'before: not a cursor of this listing' }]);
    const admin = await logIn(ADMIN_TOKEN);
    for (const site of ['%00', 'a%00b', 'shop%00']) {
      const response = await fetch(`${collector.url}/webhooks/deliveries?site=${site}&state=dead`, { headers: { cookie: admin } });
      expect([response.status, await response.json()]).toEqual([400, { error: 'site: 1-64 of A-Z a-z 0-9 _ . -' }]);
    }
    // The site parameter narrows an admin's listing; a site login may name its own site only.
    const foreign = await fetch(`${collector.url}/webhooks/deliveries?site=other`, { headers: { cookie } });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toEqual({ error: 'this login sees site "shop" only' });
    const own = await fetch(`${collector.url}/webhooks/deliveries?site=shop&state=delivered&limit=100`, { headers: { cookie } });
    expect(own.status).toBe(200);
    const listed = ((await own.json()) as { deliveries: { site: string; state: string }[] }).deliveries;
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((delivery) => delivery.site == 'shop' && delivery.state == 'delivered')).toBe(true);
    const missing = await fetch(`${collector.url}/webhooks/deliveries/whd_nothing`, { headers: { cookie } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no such delivery' });
    expect((await fetch(`${collector.url}/webhooks/deliveries`)).status).toBe(401);
  });
});

describe('click-back attribution', () => {
  const tokenOf = (hook: ReceivedWebhook): string => new URL(hook.body.data.return_url).searchParams.get('_rjt')!;

  it('links an anonymous visitor who came back through the link, and attributes its conversion to the click', async () => {
    const max = shopper('max');
    await max.send(...max.cart(), max.identify());
    await tick(after(31 * MINUTE));
    const token = tokenOf(hooksAbout(max.session)[0]);

    // Another device: a visitor the collector has never seen, no email.
    const phone = shopper('max-phone');
    const reply = await phone.send(phone.event(CLICK_BACK, { token }), phone.event('page_view', { url: 'https://shop.example/cart', title: 'Cart', referrer: '' }));
    expect(reply).toMatchObject({ accepted: 2, rejected: [] });
    await phone.send(...phone.cart(), phone.event('conversion', {}, true));
    await tick(after(0));
    const [converted] = conversionsOf(max.email);
    expect(converted.body.data).toMatchObject({ recovered: true, click_back: true, order: { order_id: phone.order }, customer: { email: max.email } });
    const session = await signedRequest(collector.url, 'GET', `/api/v1/shop/sessions/${phone.session}/`);
    expect(await session.json()).toMatchObject({ email: max.email });
    // The dashboard says what the webhooks said: the abandoned cart recovered, by an order bought after a click.
    const dashboard = async (q: string) => {
      const response = await fetch(`${collector.url}/inspector/api/search?q=${q}`, { headers: { cookie } });
      return ((await response.json()) as { carts: Record<string, unknown>[] }).carts;
    };
    expect(await dashboard(max.order)).toMatchObject([{ id: max.order, state: 'recovered', status: 'open' }]);
    expect(await dashboard(phone.order)).toMatchObject([{ id: phone.order, state: 'recovered', click_back: true }]);
  });

  it('never takes over a visitor known by another email, and refuses forged or expired tokens with a reason', async () => {
    const ned = shopper('ned');
    await ned.send(...ned.cart(), ned.identify());
    await tick(after(31 * MINUTE));
    const token = tokenOf(hooksAbout(ned.session)[0]);

    const other = shopper('olga');
    await other.send(other.identify());
    expect(await other.send(other.event(CLICK_BACK, { token }))).toMatchObject({ accepted: 1, rejected: [] });
    const session = await signedRequest(collector.url, 'GET', `/api/v1/shop/sessions/${other.session}/`);
    expect(await session.json()).toMatchObject({ email: other.email });

    const stranger = shopper('pia');
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    const expired = makeClickToken(SHOP.secret, ned.session, Date.now() - 31 * 24 * 3600_000);
    const foreign = makeClickToken('not-the-site-secret', ned.session, Date.now());
    const events = [stranger.event(CLICK_BACK, { token: forged }), stranger.event(CLICK_BACK, { token: expired }), stranger.event(CLICK_BACK, { token: foreign }), stranger.event(CLICK_BACK, { token: 'x' })];
    const reply = await stranger.send(...events);
    expect(reply.accepted).toBe(0);
    expect(reply.rejected).toEqual([
      { id: events[0].id, reason: 'token: bad signature' },
      { id: events[1].id, reason: 'token: expired' },
      { id: events[2].id, reason: 'token: bad signature' },
      { id: events[3].id, reason: 'token: not a click-back token' },
    ]);
    const strangerSession = await signedRequest(collector.url, 'GET', `/api/v1/shop/sessions/${stranger.session}/`);
    expect(strangerSession.status).toBe(404);
  });
});
