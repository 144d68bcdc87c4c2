/**
 * `['bridgeDataLayer', ...]` in real browsers: a shop whose GA4 data layer (gtag's `arguments`
 * entries or tag-manager objects) is filled before the library loads and pushed to afterwards.
 * The payloads are the examples of Google's GA4 ecommerce guide (fixtures/data-layer/ga4.js);
 * each test checks the events they map to, field by field.
 */
import { expect, test, type Page } from '@playwright/test';
import type { WireEvent } from '../src/protocol/types';
import { delivered, ofType, siteFor, waitForEvents } from './support/beacons';
import { watchErrors as watchPageErrors } from './support/page';
import { settle } from './support/settle';

type Form = 'gtag' | 'tag-manager';

const shop = (site: string, query = '') => `/e2e/fixtures/data-layer/shop.html?site=${site}${query}`;

const CART_KEY = 'rejoiner:cart:v1';

interface ShopWindow {
  ga4: { send(form: Form, name: string, params?: unknown): void; setEmail(form: Form, email: string): void };
  gtag(...args: unknown[]): void;
  pageErrors: string[];
  _rejoiner: unknown[];
  [layer: string]: unknown;
}

/** Sends GA4 events from the page, in order, in one task: [form, name, params?]. */
const send = (page: Page, ...events: [Form, string, unknown?][]) =>
  page.evaluate((list) => {
    for (const [form, name, params] of list) (window as unknown as ShopWindow).ga4.send(form, name, params);
  }, events);

/** Waits until the bridge reads later pushes to `layer` (its `push` is replaced). */
const bridged = (page: Page, layer = 'dataLayer') =>
  page.waitForFunction((name) => {
    const list = (window as unknown as Record<string, unknown[]>)[name];
    return Array.isArray(list) && list.push !== Array.prototype.push;
  }, layer);

/** Collects uncaught page errors; the fixture's `pageErrors` also catches those before goto returns. */
const watchErrors = (page: Page): (() => Promise<string[]>) => {
  const errors = watchPageErrors(page);
  return async () => [...errors, ...(await page.evaluate(() => (window as unknown as ShopWindow).pageErrors))];
};

/** `data` of the events of `type`, in the order they happened. */
const dataOf = (events: WireEvent[], type: string) =>
  ofType(events, type)
    .sort((a, b) => a.seq - b.seq)
    .map((e) => e.data);

const typesInOrder = (events: WireEvent[]) => [...events].sort((a, b) => a.seq - b.seq).map((e) => e.type);

// The mapped forms of the guide's items.
const TEE_CATEGORY = ['Apparel', 'Adult', 'Shirts', 'Crew', 'Short sleeve'];
const stanTee = (qty: number) => ({
  product_id: 'SKU_12345',
  name: 'Stan and Friends Tee',
  price: 1001,
  item_qty: qty,
  qty_price: 1001 * qty,
  category: TEE_CATEGORY,
  metadata: { item_brand: 'Google', item_variant: 'green' },
});
const greyTee = (qty: number) => ({
  product_id: 'SKU_12346',
  name: "Google Grey Women's Tee",
  price: 2101,
  item_qty: qty,
  qty_price: 2101 * qty,
  category: TEE_CATEGORY,
  metadata: { item_brand: 'Google', item_variant: 'gray' },
});

/** A lean add_to_cart / remove_from_cart of the tee at 9.99. */
const tee = (quantity: number) => ({
  currency: 'USD',
  value: 9.99 * quantity,
  items: [{ item_id: 'SKU_12345', item_name: 'Stan and Friends Tee', price: 9.99, quantity }],
});
const leanTee = (qty: number) => ({ product_id: 'SKU_12345', name: 'Stan and Friends Tee', price: 999, item_qty: qty, qty_price: 999 * qty });

for (const form of ['gtag', 'tag-manager'] as const) {
  test(`${form} form: the guide's events before and after load map field by field`, async ({ page }, info) => {
    const site = siteFor(info);
    const errors = watchErrors(page);
    await page.goto(shop(site, `&form=${form}&prefill=view_item,add_to_cart&email=${encodeURIComponent(' Shopper@Example.COM ')}`));
    const pageUrl = page.url();

    // Before load: the email, view_item and add_to_cart were in the layer already.
    let events = await waitForEvents(site, (e) => ofType(e, 'cart_data').length == 1 && ofType(e, 'page_view').length == 1);
    // The page view's URL leaves the page without its email parameter (README "Privacy").
    const scrubbedUrl = pageUrl.replace(/&email=[^&]*/, '');
    expect(dataOf(events, 'page_view')).toEqual([{ url: scrubbedUrl, title: 'Data layer shop', referrer: '' }]);
    expect(dataOf(events, 'customer_email')).toEqual([{ email: 'shopper@example.com', source: 'api' }]);
    expect(dataOf(events, 'product_view')).toEqual([
      {
        product_id: 'SKU_12345',
        name: 'Stan and Friends Tee',
        price: 1001,
        category: TEE_CATEGORY,
        product_url: pageUrl,
        metadata: { item_brand: 'Google', item_variant: 'green' },
      },
    ]);
    expect(dataOf(events, 'cart_item')).toEqual([stanTee(3)]);
    expect(dataOf(events, 'cart_data')).toEqual([{ cart_value: 3003, cart_item_count: 3 }]);
    expect(await page.evaluate((key) => JSON.parse(localStorage.getItem(key)!), CART_KEY)).toMatchObject([
      { id: 'SKU_12345', qty: 3, price: 1001 },
    ]);

    // After load: remove the tee, check out with it, buy it and the grey tee.
    await bridged(page);
    await send(page, [form, 'remove_from_cart'], [form, 'begin_checkout'], [form, 'purchase']);
    events = await waitForEvents(site, (e) => ofType(e, 'conversion').length == 1 && ofType(e, 'cart_data').length == 3);

    expect(dataOf(events, 'cart_item_removed')).toEqual([{ product_id: 'SKU_12345' }]);
    expect(dataOf(events, 'cart_item')).toEqual([stanTee(3), stanTee(3)]);
    expect(dataOf(events, 'cart_data')).toEqual([
      { cart_value: 3003, cart_item_count: 3 }, // add_to_cart
      { cart_value: 0, cart_item_count: 0 }, // remove_from_cart
      { cart_value: 3003, cart_item_count: 3 }, // begin_checkout: its value
    ]);
    expect(dataOf(events, 'conversion')).toEqual([
      {
        cart_data: { cart_value: 7205, cart_item_count: 5, order_number: 'T_12345', promo: 'SUMMER_SALE' },
        cart_items: [stanTee(3), greyTee(2)],
      },
    ]);
    expect(typesInOrder(events).filter((t) => t != 'page_view')).toEqual([
      'customer_email',
      'product_view',
      'order_started',
      'cart_item',
      'cart_data',
      'cart_item_removed',
      'cart_data',
      'cart_item',
      'cart_data',
      'conversion',
    ]);
    // One order, opened by the first cart event and converted by the purchase.
    const [started] = ofType(events, 'order_started');
    expect(started.order).toBeTruthy();
    expect(ofType(events, 'conversion')[0].order).toBe(started.order);
    expect(ofType(events, 'product_view')[0].order).toBeNull();
    // The purchase emptied the cart model.
    expect(await page.evaluate((key) => localStorage.getItem(key), CART_KEY)).toBeNull();

    await settle(page, site);
    expect(await delivered(site)).toHaveLength(events.length);
    expect(await errors()).toEqual([]);
  });
}

test('quantities add up over repeated add_to_cart and a line removed to zero goes', async ({ page }, info) => {
  const site = siteFor(info);
  await page.goto(shop(site));
  await bridged(page);
  // Both forms in one layer: a theme's gtag call and a tag-manager push.
  await send(page, ['gtag', 'add_to_cart', tee(1)], ['tag-manager', 'add_to_cart', tee(2)]);
  let events = await waitForEvents(site, (e) => ofType(e, 'cart_data').length == 2);
  expect(dataOf(events, 'cart_item')).toEqual([leanTee(1), leanTee(3)]);
  expect(dataOf(events, 'cart_data')).toEqual([
    { cart_value: 999, cart_item_count: 1 },
    { cart_value: 2997, cart_item_count: 3 },
  ]);

  await send(page, ['gtag', 'remove_from_cart', tee(1)], ['tag-manager', 'remove_from_cart', tee(2)]);
  events = await waitForEvents(site, (e) => ofType(e, 'cart_data').length == 4);
  expect(dataOf(events, 'cart_item')).toEqual([leanTee(1), leanTee(3), leanTee(2)]);
  expect(dataOf(events, 'cart_item_removed')).toEqual([{ product_id: 'SKU_12345' }]);
  expect(dataOf(events, 'cart_data')).toEqual([
    { cart_value: 999, cart_item_count: 1 },
    { cart_value: 2997, cart_item_count: 3 },
    { cart_value: 1998, cart_item_count: 2 },
    { cart_value: 0, cart_item_count: 0 },
  ]);
  expect(typesInOrder(events)).toEqual([
    'page_view',
    'order_started',
    'cart_item',
    'cart_data',
    'cart_item',
    'cart_data',
    'cart_item',
    'cart_data',
    'cart_item_removed',
    'cart_data',
  ]);
  expect(await page.evaluate((key) => localStorage.getItem(key), CART_KEY)).toBeNull();
});

test('prices become integer minor units by the currency, without float drift', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = watchErrors(page);
  await page.goto(shop(site));
  await bridged(page);
  const view = (id: string, currency: string | undefined, price: unknown): [Form, string, unknown] => [
    'gtag',
    'view_item',
    { currency, value: price, items: [{ item_id: id, item_name: id, price }] },
  ];
  await send(
    page,
    view('USD-19.99', 'USD', 19.99),
    view('USD-STRING', 'USD', '19.99'),
    view('NO-CURRENCY', undefined, 19.99),
    view('JPY-1999', 'JPY', 1999),
    view('KWD-1.005', 'KWD', 1.005),
    view('USD-1.005', 'USD', 1.005),
    view('EUR-4.35', 'EUR', 4.35),
    ['tag-manager', 'add_to_cart', { currency: 'JPY', value: 3998, items: [{ item_id: 'JPY-1999', price: 1999, quantity: 2 }] }],
    ['gtag', 'purchase', { transaction_id: 'T_KWD', currency: 'KWD', value: 2.01, items: [{ item_id: 'KWD-1.005', price: 1.005, quantity: 2 }] }],
  );
  const events = await waitForEvents(site, (e) => ofType(e, 'conversion').length == 1 && ofType(e, 'product_view').length == 7);
  const url = page.url();
  expect(dataOf(events, 'product_view')).toEqual([
    { product_id: 'USD-19.99', name: 'USD-19.99', price: 1999, product_url: url },
    { product_id: 'USD-STRING', name: 'USD-STRING', price: 1999, product_url: url },
    { product_id: 'NO-CURRENCY', name: 'NO-CURRENCY', price: 1999, product_url: url },
    { product_id: 'JPY-1999', name: 'JPY-1999', price: 1999, product_url: url }, // no minor unit
    { product_id: 'KWD-1.005', name: 'KWD-1.005', price: 1005, product_url: url }, // three digits
    { product_id: 'USD-1.005', name: 'USD-1.005', price: 101, product_url: url }, // not 100
    { product_id: 'EUR-4.35', name: 'EUR-4.35', price: 435, product_url: url }, // not 434
  ]);
  expect(dataOf(events, 'cart_item')).toEqual([{ product_id: 'JPY-1999', price: 1999, item_qty: 2, qty_price: 3998 }]);
  expect(dataOf(events, 'cart_data')).toEqual([{ cart_value: 3998, cart_item_count: 2 }]);
  expect(dataOf(events, 'conversion')).toEqual([
    {
      cart_data: { cart_value: 2010, cart_item_count: 2, order_number: 'T_KWD' },
      cart_items: [{ product_id: 'KWD-1.005', price: 1005, item_qty: 2, qty_price: 2010 }],
    },
  ]);
  expect(await errors()).toEqual([]);
});

test('a purchase converts the order and a later add_to_cart starts a new one from an empty cart', async ({ page }, info) => {
  const site = siteFor(info);
  await page.goto(shop(site, '&form=tag-manager&prefill=add_to_cart,purchase'));
  let events = await waitForEvents(site, (e) => ofType(e, 'conversion').length == 1);
  expect(dataOf(events, 'conversion')).toEqual([
    {
      cart_data: { cart_value: 7205, cart_item_count: 5, order_number: 'T_12345', promo: 'SUMMER_SALE' },
      cart_items: [stanTee(3), greyTee(2)],
    },
  ]);
  await bridged(page);
  await send(page, ['tag-manager', 'add_to_cart', tee(1)]);
  events = await waitForEvents(site, (e) => ofType(e, 'cart_data').length == 2);
  expect(dataOf(events, 'cart_item')).toEqual([stanTee(3), leanTee(1)]);
  expect(dataOf(events, 'cart_data')).toEqual([
    { cart_value: 3003, cart_item_count: 3 },
    { cart_value: 999, cart_item_count: 1 },
  ]);
  const orders = ofType(events, 'order_started').sort((a, b) => a.seq - b.seq).map((e) => e.order);
  expect(orders).toHaveLength(2);
  expect(orders[0]).not.toBe(orders[1]);
  expect(ofType(events, 'conversion')[0].order).toBe(orders[0]);
  expect(ofType(events, 'cart_item').sort((a, b) => a.seq - b.seq).map((e) => e.order)).toEqual(orders);
});

test("the shopper's email from user-provided data, in both forms, becomes customer_email", async ({ page }, info) => {
  const site = siteFor(info);
  await page.goto(shop(site));
  await bridged(page);
  await page.evaluate(() => {
    const w = window as unknown as ShopWindow;
    const layer = w.dataLayer as unknown[];
    w.gtag('set', 'user_data', { email: ' Shopper@Example.COM ' });
    layer.push({ user_data: { email_address: 'tm@example.com' } });
    w.gtag('set', { user_data: { email: ['not-an-email', 'listed@example.com'] } });
    // Neither an email nor one in the clear: nothing to send.
    w.gtag('set', 'user_data', { sha256_email_address: 'a'.repeat(64) });
    layer.push({ user_data: { email_address: 'not-an-email' } });
    w.gtag('set', 'user_data', null);
    w.ga4.setEmail('tag-manager', 'last@example.com');
  });
  const events = await waitForEvents(site, (e) => ofType(e, 'customer_email').length == 4);
  expect(dataOf(events, 'customer_email')).toEqual([
    { email: 'shopper@example.com', source: 'api' },
    { email: 'tm@example.com', source: 'api' },
    { email: 'listed@example.com', source: 'api' },
    { email: 'last@example.com', source: 'api' },
  ]);
  await settle(page, site);
  expect(typesInOrder(await delivered(site))).toEqual(['page_view', 'customer_email', 'customer_email', 'customer_email', 'customer_email']);
});

test("{name: 'shopLayer'} bridges that layer and leaves window.dataLayer alone", async ({ page }, info) => {
  const site = siteFor(info);
  const errors = watchErrors(page);
  await page.goto(shop(site, '&layer=shopLayer&decoy=1&prefill=view_item,add_to_cart'));
  await waitForEvents(site, (e) => ofType(e, 'cart_data').length == 1);
  await bridged(page, 'shopLayer');
  await page.evaluate(() => {
    const w = window as unknown as ShopWindow;
    (w.dataLayer as unknown[]).push({ event: 'add_to_cart', ecommerce: { currency: 'USD', items: [{ item_id: 'DECOY', price: 1 }] } });
    w.ga4.send('gtag', 'add_to_cart', { currency: 'USD', items: [{ item_id: 'SKU_12345', price: 10.01, quantity: 1 }] });
  });
  await waitForEvents(site, (e) => ofType(e, 'cart_data').length == 2);
  await settle(page, site);
  const events = await delivered(site);
  expect(dataOf(events, 'product_view')).toHaveLength(1);
  expect(dataOf(events, 'cart_item')).toEqual([stanTee(3), stanTee(4)]);
  expect(dataOf(events, 'cart_data')).toEqual([
    { cart_value: 3003, cart_item_count: 3 },
    { cart_value: 4004, cart_item_count: 4 },
  ]);
  expect(JSON.stringify(events)).not.toContain('DECOY');
  expect(await page.evaluate(() => (window as unknown as ShopWindow).dataLayer)).toHaveLength(2);
  expect(await page.evaluate(() => ((window as unknown as ShopWindow).dataLayer as unknown[]).push === Array.prototype.push)).toBe(true);
  expect(await errors()).toEqual([]);
});

test('bridgeDataLayer pushed twice before load and again after reads every entry once', async ({ page }, info) => {
  const site = siteFor(info);
  await page.goto(shop(site, '&bridges=2&prefill=view_item,add_to_cart'));
  await waitForEvents(site, (e) => ofType(e, 'cart_data').length == 1);
  await bridged(page);
  await page.evaluate(() => {
    const w = window as unknown as ShopWindow;
    w._rejoiner.push(['bridgeDataLayer', true], ['bridgeDataLayer', { name: 'dataLayer' }]);
    w.ga4.send('gtag', 'add_to_cart');
  });
  await waitForEvents(site, (e) => ofType(e, 'cart_data').length >= 2);
  await settle(page, site);
  const events = await delivered(site);
  expect(typesInOrder(events).filter((t) => t != 'page_view')).toEqual([
    'product_view',
    'order_started',
    'cart_item',
    'cart_data',
    'cart_item',
    'cart_data',
  ]);
  expect(dataOf(events, 'cart_item')).toEqual([stanTee(3), stanTee(6)]);
  expect(dataOf(events, 'cart_data')).toEqual([
    { cart_value: 3003, cart_item_count: 3 },
    { cart_value: 6006, cart_item_count: 6 },
  ]);
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
});

test('quantities survive a page navigation: add on page A, add again on page B', async ({ page }, info) => {
  const site = siteFor(info);
  await page.goto(shop(site, '&page=a'));
  await bridged(page);
  await send(page, ['gtag', 'add_to_cart', tee(1)]);
  await waitForEvents(site, (e) => ofType(e, 'cart_data').length == 1);

  await page.goto(shop(site, '&page=b&form=tag-manager'));
  await bridged(page);
  await send(page, ['tag-manager', 'add_to_cart', tee(1)]);
  const events = await waitForEvents(site, (e) => ofType(e, 'cart_data').length == 2);
  const items = ofType(events, 'cart_item').sort((a, b) => a.seq - b.seq);
  expect(items.map((e) => e.data)).toEqual([leanTee(1), leanTee(2)]);
  expect(items.map((e) => new URL(e.url).searchParams.get('page'))).toEqual(['a', 'b']);
  expect(dataOf(events, 'cart_data')).toEqual([
    { cart_value: 999, cart_item_count: 1 },
    { cart_value: 1998, cart_item_count: 2 },
  ]);
  // Still the order page A opened.
  const started = ofType(events, 'order_started');
  expect(started).toHaveLength(1);
  expect(items.map((e) => e.order)).toEqual([started[0].order, started[0].order]);
});

test('entries that are no ecommerce, and junk, send nothing and raise no page error', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = watchErrors(page);
  // Before load: gtm.js, gtm.dom, page_view (both forms), consent, config, null, 42, 'x', ...
  await page.goto(shop(site, '&junk=1'));
  await bridged(page);
  await page.evaluate(() => {
    const w = window as unknown as ShopWindow;
    const layer = w.dataLayer as unknown[];
    layer.push({ event: 'gtm.js', 'gtm.start': Date.now() }, { event: 'gtm.load' });
    layer.push({ event: 'page_view', page_location: location.href }, { event: 'login', method: 'Google' });
    w.gtag('event', 'page_view', { page_location: location.href });
    w.gtag('event', 'login', { method: 'Google' });
    w.gtag('event');
    w.gtag('config', 'G-TEST12345', { send_page_view: false });
    layer.push(null, 42, 'x', undefined, [], {}, NaN, Symbol('s'), () => 1, new Date());
    layer.push({ event: 42, ecommerce: { items: [{ item_id: 'JUNK-1' }] } });
    layer.push({ event: 'view_item', ecommerce: 'not an object' }, { event: 'view_item', ecommerce: { items: 'nope' } });
    layer.push({ event: 'view_item', ecommerce: { items: [null, 7, { item_name: 'no id' }] } });
    layer.push({
      get event(): string {
        throw new Error('a getter that throws');
      },
    });
  });
  // A real event after the junk: once it arrived, anything the junk made would have too.
  await send(page, ['gtag', 'view_item']);
  await waitForEvents(site, (e) => ofType(e, 'product_view').length == 1);
  await settle(page, site);
  const events = await delivered(site);
  expect(typesInOrder(events)).toEqual(['page_view', 'product_view']);
  expect(await errors()).toEqual([]);
  // The layer still works as an array for everyone else.
  expect(await page.evaluate(() => ((window as unknown as ShopWindow).dataLayer as unknown[]).length)).toBeGreaterThan(20);
});
