/**
 * The dashboard's JSON reads on each engine: the numbers equal what the posted beacons imply
 * (computed here from the events, not read back from an endpoint) once the lifecycle detector
 * decided them (cart states are its stored decisions, recoveries what order_converted says), one
 * site never sees another's data whatever the parameters say, and hostile parameters are refused
 * with a 4xx and a reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SiteConfig as Site } from '../../src/collector/sites';
import type { WireEvent } from '../../src/protocol/types';
import { batchBody, makeEvent, OTHER, postBeacon, SHOP, startTestCollector, type TestCollector } from '../support/collector';

const ADMIN = 'admin_dashboard_0123456789abcdef';
/** Half-hour offset: conversions late in the UTC evening land on the next local day. */
const ZONE = 'Asia/Kolkata';
const SHOP_SITE: Site = { ...SHOP, token: 'shop_dashboard_0123456789abcdef', timezone: ZONE, abandonment_minutes: 0.002 };
const OTHER_SITE: Site = { ...OTHER, token: 'other_dashboard_0123456789abcde' };

let collector: TestCollector;
let shopCookie: string;
let adminCookie: string;

const localDay = (ms: number): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

/** Two days ago at 20:00 UTC: 01:30 the next day in Kolkata. */
const recoveredAt = (() => {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 2, 20, 0, 0);
})();
const convertedAt = Date.now() - 60_000;

/** Events of one shopper of the shop. */
function shopper(tag: string, site = SHOP_SITE) {
  return (type: string, data: object, order: string | null = null, ts = Date.now() - 120_000) =>
    makeEvent({ type: type as WireEvent['type'], data, order, ts, visitor: `${tag}-visitor`, session: `${tag}-session`, url: `${site.origins[0]}/p` });
}

async function post(site: Site, events: unknown[]): Promise<void> {
  const response = await postBeacon(collector.url, batchBody(events, site.id), { site: site.id, origin: site.origins[0] });
  expect(response.status).toBe(200);
  expect((await response.json()).accepted).toBe(events.length);
}

async function logIn(token: string): Promise<string> {
  const response = await fetch(`${collector.url}/inspector/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  expect(response.status).toBe(303);
  return response.headers.get('set-cookie')!.split(';')[0];
}

const read = async (path: string, cookie = shopCookie): Promise<{ status: number; body: any }> => {
  const response = await fetch(`${collector.url}/inspector/api/${path}`, { headers: { cookie } });
  return { status: response.status, body: await response.json() };
};

// The shop's data: one abandoned cart with an email, one recovered conversion two days ago, one
// plain conversion, one shopper who only looked at a product.
const A = shopper('dash-a');
const B = shopper('dash-b');
const C = shopper('dash-c');
const D = shopper('dash-d');
const EMAIL = 'dash.a@shop.example';
const A_VALUE = 3 * 1999 + 4500;
const B_VALUE = 12_000;
const C_VALUE = 4_321;

beforeAll(async () => {
  // No timer: the test runs the detector when the buffer has passed.
  collector = await startTestCollector({ adminToken: ADMIN, sites: [SHOP_SITE, OTHER_SITE], automation: { intervalMs: 0 } });
  await post(SHOP_SITE, [
    A('product_view', { product_id: 'SKU-1', name: 'Mug', price: 1999 }),
    A('cart_item', { product_id: 'SKU-1', name: 'Mug', price: 1999, item_qty: 3 }, 'dash-order-a'),
    A('cart_item', { product_id: 'SKU-2', name: 'Teapot', price: 4500, item_qty: 1 }, 'dash-order-a'),
    A('cart_data', { cart_value: A_VALUE, cart_item_count: 4 }, 'dash-order-a'),
    A('customer_email', { email: EMAIL, source: 'form' }, 'dash-order-a'),
    B('product_view', { product_id: 'SKU-3', name: 'Kettle', price: B_VALUE }, null, recoveredAt - 60_000),
    B('cart_item', { product_id: 'SKU-3', name: 'Kettle', price: B_VALUE }, 'dash-order-b', recoveredAt - 30_000),
    C('cart_item', { product_id: 'SKU-4', name: 'Cup', price: C_VALUE }, 'dash-order-c', convertedAt - 1000),
    C('conversion', { cart_data: { cart_value: C_VALUE } }, 'dash-order-c', convertedAt),
    D('product_view', { product_id: 'SKU-1', name: 'Mug', price: 1999 }),
  ]);
  const other = shopper('dash-other', OTHER_SITE);
  await post(OTHER_SITE, [
    other('product_view', { product_id: 'X-1', price: 100 }),
    other('cart_item', { product_id: 'X-1', name: 'Other thing', price: 99_999 }, 'dash-order-other'),
    other('customer_email', { email: EMAIL, source: 'form' }, 'dash-order-other'),
    other('conversion', { cart_data: { cart_value: 99_999 } }, 'dash-order-other', convertedAt),
  ]);
  shopCookie = await logIn(SHOP_SITE.token!);
  adminCookie = await logIn(ADMIN);
  // The shop's buffer is 0.12 s: wait it out, so the detector abandons carts A and B and D's browse.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await collector.automation.tick();
  // B comes back and buys (the shopper's clock says two days ago): a recovery, noted by the next tick.
  await post(SHOP_SITE, [B('conversion', { cart_data: { cart_value: B_VALUE }, campaign_type: 'abandonment' }, 'dash-order-b', recoveredAt)]);
  await collector.automation.tick();
});
afterAll(async () => {
  await collector?.dispose();
});

describe('dashboard numbers', () => {
  it('sums revenue and recovered revenue per day of the site time zone, and the funnel', async () => {
    const { status, body } = await read('summary');
    expect(status).toBe(200);
    expect(body.range.timezone).toBe(ZONE);
    expect(body.days).toHaveLength(30);
    expect(body.totals).toMatchObject({
      revenue: B_VALUE + C_VALUE,
      conversions: 2,
      recovered_revenue: B_VALUE,
      recovered: 1,
      clicked_back: 0,
      abandoned_carts: 1,
      abandoned_value: A_VALUE,
      abandoned_browses: 1,
    });
    const byDay = Object.fromEntries(body.days.map((day: { day: string }) => [day.day, day]));
    expect(localDay(recoveredAt)).not.toBe(new Date(recoveredAt).toISOString().slice(0, 10));
    expect(byDay[localDay(recoveredAt)]).toMatchObject({ revenue: B_VALUE, recovered_revenue: B_VALUE, conversions: 1 });
    expect(byDay[localDay(convertedAt)]).toMatchObject({ revenue: C_VALUE, recovered_revenue: 0, conversions: 1 });
    const sum = body.days.reduce((total: number, day: { revenue: number }) => total + day.revenue, 0);
    expect(sum).toBe(B_VALUE + C_VALUE);
    // Sessions A, B and D viewed a product; orders A, B and C hold items; only A has an email.
    expect(body.funnel).toEqual({ product_views: 3, carts: 3, email_known: 1, conversions: 2 });
  });

  it('lists the abandoned cart with its age, value, items and email', async () => {
    const { body } = await read('carts');
    expect(body.carts).toHaveLength(1);
    const [cart] = body.carts;
    expect(cart).toMatchObject({
      id: 'dash-order-a',
      email: EMAIL,
      state: 'abandoned',
      status: 'open',
      value: A_VALUE,
      item_count: 2,
      items: [
        { product_id: 'SKU-1', name: 'Mug', item_qty: 3, price: 1999 },
        { product_id: 'SKU-2', name: 'Teapot', item_qty: 1, price: 4500 },
      ],
    });
    expect(cart.age_seconds).toBeGreaterThanOrEqual(0);
    expect(cart.last_activity).toBeLessThanOrEqual(Date.now());
  });

  it('pages every cart once, newest first', async () => {
    const seen: string[] = [];
    let after = '';
    for (let page = 0; page < 10; page++) {
      const { status, body } = await read(`carts?state=all&limit=1${after}`);
      expect(status).toBe(200);
      expect(body.carts.length).toBeLessThanOrEqual(1);
      seen.push(...body.carts.map((cart: { id: string }) => cart.id));
      if (!body.next) break;
      after = `&after=${encodeURIComponent(body.next)}`;
    }
    expect(seen.sort()).toEqual(['dash-order-a', 'dash-order-b', 'dash-order-c']);
    const converted = await read('carts?state=converted');
    expect(converted.body.carts.map((cart: { id: string }) => cart.id)).toEqual(['dash-order-c']);
    const recovered = await read('carts?state=recovered');
    expect(recovered.body.carts).toMatchObject([{ id: 'dash-order-b', state: 'recovered', click_back: false }]);
  });

  it('finds carts and sessions by email, order id and session id', async () => {
    const byEmail = await read(`search?q=${encodeURIComponent(' DASH.A@shop.example ')}`);
    expect(byEmail.body.carts.map((cart: { id: string }) => cart.id)).toEqual(['dash-order-a']);
    expect(byEmail.body.sessions).toEqual(['dash-a-session']);
    const byOrder = await read('search?q=dash-order-b');
    expect(byOrder.body.carts).toMatchObject([{ id: 'dash-order-b', state: 'recovered', value: B_VALUE }]);
    expect((await read('search?q=dash-d-session')).body.sessions).toEqual(['dash-d-session']);
  });

  it('shows a cart active until the detector decides it, and active again when its shopper is back', async () => {
    const F = shopper('dash-f');
    const stateOfF = async () => (await read('search?q=dash-order-f')).body.carts[0].state;
    await post(SHOP_SITE, [F('cart_item', { product_id: 'SKU-5', name: 'Spoon', price: 250 }, 'dash-order-f', Date.now())]);
    // Past the buffer but not decided yet: still active (the one derived state).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await stateOfF()).toBe('active');
    await collector.automation.tick();
    expect(await stateOfF()).toBe('abandoned');
    await post(SHOP_SITE, [F('page_view', { url: 'https://shop.example/cart', title: 'Cart', referrer: '' }, null, Date.now())]);
    expect(await stateOfF()).toBe('active');
    // Decided again (abandoned again); cleared, it is no cart to bring back.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await collector.automation.tick();
    expect(await stateOfF()).toBe('abandoned');
    await post(SHOP_SITE, [F('cart_cleared', {}, 'dash-order-f', Date.now())]);
    expect(await stateOfF()).toBe('cleared');
  });

  it("gives a session's events in the order they arrived", async () => {
    const { body } = await read('sessions/dash-a-session');
    expect(body.session).toMatchObject({ id: 'dash-a-session', email: EMAIL });
    expect(body.events.map((event: { type: string }) => event.type)).toEqual(['product_view', 'cart_item', 'cart_item', 'cart_data', 'customer_email']);
    const first = await read('sessions/dash-a-session?limit=2');
    expect(first.body.events).toHaveLength(2);
    const rest = await read(`sessions/dash-a-session?after=${first.body.next}`);
    expect(rest.body.events.map((event: { type: string }) => event.type)).toEqual(['cart_item', 'cart_data', 'customer_email']);
    expect(rest.body.next).toBeNull();
  });
});

describe('dashboard scope', () => {
  it("never shows another site's data to a site login", async () => {
    expect((await read('summary?site=other')).status).toBe(403);
    expect((await read('carts?site=other&state=all')).status).toBe(403);
    expect((await read('sites')).body.sites.map((site: { id: string }) => site.id)).toEqual(['shop']);
    // The other site's ids and the email both sites know: only the shop's records come back.
    expect((await read('sessions/dash-other-session')).status).toBe(404);
    expect((await read('search?q=dash-order-other')).body.carts).toEqual([]);
    const byEmail = await read(`search?q=${encodeURIComponent(EMAIL)}`);
    expect(byEmail.body.carts.map((cart: { id: string }) => cart.id)).toEqual(['dash-order-a']);
    const all = await read('carts?state=all&limit=100');
    expect(all.body.carts.every((cart: { id: string }) => cart.id != 'dash-order-other')).toBe(true);
  });

  it('lets the admin choose the site', async () => {
    expect((await read('sites', adminCookie)).body.sites.map((site: { id: string }) => site.id)).toEqual(['shop', 'other']);
    const other = await read('summary?site=other', adminCookie);
    expect(other.body.totals).toMatchObject({ revenue: 99_999, conversions: 1, recovered: 0 });
    expect((await read('summary?site=nowhere', adminCookie)).status).toBe(404);
  });

  it('answers 401 without a login', async () => {
    for (const path of ['sites', 'summary', 'carts', 'search?q=x', 'sessions/dash-a-session']) {
      const response = await fetch(`${collector.url}/inspector/api/${path}`);
      expect(response.status).toBe(401);
      expect((await response.json()).error).toMatch(/log in/);
    }
  });
});

describe('hostile parameters', () => {
  const refused: [path: string, reason: RegExp][] = [
    ['summary?from=2026-02-30', /"from" must be a day/],
    ['summary?from=yesterday', /"from" must be a day/],
    ['summary?to=1999-12-31', /"to" must be a day/],
    ['summary?from=2025-01-01&to=2024-01-01', /"from" is after "to"/],
    ['summary?from=2020-01-01&to=2026-01-01', /at most 366 days/],
    ['summary?from=2026-01-01&from=2026-01-02', /given twice/],
    ['summary?state=abandoned', /unknown parameter "state"/],
    ['summary?__proto__=1', /unknown parameter/],
    ['carts?limit=1000000', /"limit" must be a whole number from 1 to 100/],
    ['carts?limit=-1', /"limit"/],
    ['carts?limit=1e3', /"limit"/],
    ['carts?state=deleted', /"state" must be one of/],
    ['carts?after=not-a-cursor', /"after" is not a cursor/],
    ['carts?after=99999999999999999999.eA', /"after" is not a cursor/],
    ['search', /"q" is required/],
    [`search?q=${'x'.repeat(400)}`, /longer than 320/],
    ['sessions/dash-a-session?after=-5', /"after" must be a whole number/],
    [`sessions/${'s'.repeat(2100)}`, /at most 2000 characters/],
    ['sessions', /name one session/],
    ["carts?from=2026-01-01'%20OR%201=1--", /"from" must be a day/],
  ];
  it.each(refused)('refuses %s', async (path, reason) => {
    const { status, body } = await read(path);
    expect(status).toBe(400);
    expect(body.error).toMatch(reason);
  });

  it('answers 404 for reads that do not exist and 405 for writes', async () => {
    expect((await read('constructor')).status).toBe(404);
    expect((await read('summary/extra')).status).toBe(404);
    const post = await fetch(`${collector.url}/inspector/api/summary`, { method: 'POST', headers: { cookie: shopCookie } });
    expect(post.status).toBe(405);
  });
});
