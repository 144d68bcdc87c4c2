/**
 * The tag-manager recipe (public/tag-manager-recipe.html) run the way a tag manager runs a Custom
 * HTML tag: fetched, filled in, its <script> cloned into the page, late (after window load), more
 * than once on a page, and again on every virtual page view of a single-page app. The page also
 * has a GA4 data layer, which the recipe bridges. See fixtures/tag-manager/.
 */
import { expect, test, type Page } from '@playwright/test';
import type { WireEvent } from '../src/protocol/types';
import { BASE, delivered, ofType, siteFor, waitForEvents } from './support/beacons';
import { watchErrors as watchPageErrors } from './support/page';
import { settle } from './support/settle';

const tagPage = (site: string, query = '') => `/e2e/fixtures/tag-manager/page.html?site=${site}${query}`;

interface TagWindow {
  tagManager: { fire(): Promise<void>; fired: { url: string; loaded: boolean }[] };
  tagManagerSeen: unknown[];
  dataLayer: unknown[];
  pageErrors: string[];
  routesDone?: boolean;
  _rejoiner: unknown[] & { push: unknown };
  _rejoinerDispatch?: unknown;
  _rejoinerTag?: string;
}

/** Uncaught errors and unhandled rejections, from the fixture's own record and Playwright's. */
const watchErrors = (page: Page): (() => Promise<string[]>) => {
  const errors = watchPageErrors(page);
  return async () => [...errors, ...(await page.evaluate(() => (window as unknown as TagWindow).pageErrors))];
};

/** Serves /dist/rejoiner.js `ms` late, as a tag manager's third-party script often is. */
const slowLibrary = (page: Page, ms: number) =>
  page.route(/\/dist\/rejoiner\.js(\?|$)/, async (route) => {
    await new Promise((r) => setTimeout(r, ms));
    await route.continue();
  });

const pageViews = (events: WireEvent[]) =>
  ofType(events, 'page_view')
    .sort((a, b) => a.seq - b.seq)
    .map((e) => e.data as { url: string; title: string; referrer: string });

/** Requests the page made for the library. */
const libraryLoads = (page: Page) =>
  page.evaluate(() => performance.getEntriesByType('resource').filter((r) => /rejoiner\.js/.test(r.name)).length);

/** The library runs: its dispatcher took over the queue (not just the guard set while it loads). */
const running = () => {
  const w = window as unknown as TagWindow;
  return typeof w._rejoinerDispatch == 'function' && w._rejoiner.push === w._rejoinerDispatch && w._rejoinerDispatch !== Array.prototype.push;
};

/** The cart line the page's data layer adds: Google's add_to_cart example. */
const STAN_TEE = {
  product_id: 'SKU_12345',
  name: 'Stan and Friends Tee',
  price: 1001,
  item_qty: 3,
  qty_price: 3003,
  category: ['Apparel', 'Adult', 'Shirts', 'Crew', 'Short sleeve'],
  metadata: { item_brand: 'Google', item_variant: 'green' },
};

test('fired after window load with a late library: one page view for the landing URL', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = watchErrors(page);
  await slowLibrary(page, 800);
  await page.goto(tagPage(site, '&mode=late'));
  const landing = page.url();
  const events = await waitForEvents(site, (e) => ofType(e, 'page_view').length >= 1 && ofType(e, 'cart_data').length >= 1);
  await settle(page, site);
  const all = await delivered(site);

  // The tag fired once, after load, and the library ran although it came after load too.
  expect(await page.evaluate(() => (window as unknown as TagWindow).tagManager.fired)).toEqual([{ url: landing, loaded: true }]);
  expect(pageViews(all)).toEqual([{ url: landing, title: 'Tag manager page', referrer: '' }]);
  expect(ofType(all, 'page_view')[0].url).toBe(landing);
  // The recipe's settings arrived: this site id, and the bridge read the page's data layer.
  expect(ofType(all, 'cart_item').map((e) => e.data)).toEqual([STAN_TEE]);
  expect(all.map((e) => e.type).sort()).toEqual(['cart_data', 'cart_item', 'order_started', 'page_view']);
  expect(all.length).toBe(events.length);
  expect(await libraryLoads(page)).toBe(1);
  // setDomain '': the cookie is the page's host's own.
  const rj = (await page.context().cookies()).filter((c) => c.name == 'rj');
  expect(rj.map((c) => c.domain)).toEqual(['127.0.0.1']);
  expect(await errors()).toEqual([]);
});

test('fired after window load, its extension module blocked: the core still counts the landing page view', async ({ page }, info) => {
  const site = siteFor(info);
  // The recipe queues bridgeDataLayer, so the library waits for rejoiner-extensions.js before it
  // starts. When that request fails (an ad blocker, a CSP, a network error; or a library served
  // from a folder without the file), the bridge is lost, but tracking must not be.
  await slowLibrary(page, 800);
  await page.route(/\/rejoiner-extensions\.js(\?|$)/, (route) => route.abort('blockedbyclient'));
  await page.goto(tagPage(site, '&mode=late'));
  const landing = page.url();
  await page.waitForFunction(() => performance.getEntriesByType('resource').some((r) => /rejoiner\.js/.test(r.name)));
  await waitForEvents(site, (e) => ofType(e, 'page_view').length >= 1);
  await settle(page, site);
  const all = await delivered(site);
  expect(pageViews(all)).toEqual([{ url: landing, title: 'Tag manager page', referrer: '' }]);
  expect(await page.evaluate(running)).toBe(true);
});

test('fired twice on the same page, and again once booted: one copy, one page view, nothing doubled', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = watchErrors(page);
  await slowLibrary(page, 300);
  // Fires on DOM ready and again on window load.
  await page.goto(tagPage(site, '&mode=twice'));
  await page.waitForFunction(() => (window as unknown as TagWindow).tagManager.fired.length == 2);
  await page.waitForFunction(running);
  await waitForEvents(site, (e) => ofType(e, 'page_view').length >= 1 && ofType(e, 'cart_data').length >= 1);

  const stable = await page.evaluateHandle(() => (window as unknown as TagWindow)._rejoinerDispatch);
  // A third firing after the library runs (a second trigger, a container reloaded by a consent tool).
  await page.evaluate(() => (window as unknown as TagWindow).tagManager.fire());
  // A push after all the firings still goes through the one dispatcher and the one bridge.
  await page.evaluate(() => {
    const w = window as unknown as TagWindow;
    w._rejoiner.push(['trackProductView', { product_id: 'AFTER-FIRINGS' }]);
    w.dataLayer.push({ ecommerce: null }, { event: 'view_item', ecommerce: { currency: 'USD', items: [{ item_id: 'VIEWED', price: 5 }] } });
  });
  await waitForEvents(site, (e) => ofType(e, 'product_view').length >= 2);
  await settle(page, site);
  const all = await delivered(site);

  expect(
    await page.evaluate((before) => {
      const w = window as unknown as TagWindow;
      return w._rejoinerDispatch === before && w._rejoiner.push === before;
    }, stable),
  ).toBe(true);
  expect(await libraryLoads(page)).toBe(1);
  expect(await page.evaluate(() => document.querySelectorAll('script[src*="rejoiner.js"]').length)).toBe(1);
  expect(await page.evaluate(() => (window as unknown as TagWindow).tagManager.fired.length)).toBe(3);

  expect(pageViews(all)).toEqual([{ url: page.url(), title: 'Tag manager page', referrer: '' }]);
  expect(ofType(all, 'cart_item').map((e) => e.data)).toEqual([STAN_TEE]);
  expect(ofType(all, 'product_view').map((e) => (e.data as { product_id: string }).product_id).sort()).toEqual(['AFTER-FIRINGS', 'VIEWED']);
  expect(all.map((e) => e.type).sort()).toEqual(['cart_data', 'cart_item', 'order_started', 'page_view', 'product_view', 'product_view']);
  expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
  // The tag manager's own push still saw the entry (the bridge chained to it, did not replace it).
  expect(await page.evaluate(() => (window as unknown as TagWindow).tagManagerSeen.some((e) => (e as { event?: string })?.event == 'view_item'))).toBe(true);
  expect(await errors()).toEqual([]);
});

/** The landing page and its three routes, each with the referrer of the one before. */
const spaViews = (site: string, query = '&mode=spa') => {
  const landing = `${BASE}${tagPage(site, query)}`;
  const route = (n: number) => `${BASE}/e2e/fixtures/tag-manager/route-${n}?site=${site}`;
  return [
    { url: landing, title: 'Tag manager page', referrer: '' },
    { url: route(1), title: 'Route 1', referrer: landing },
    { url: route(2), title: 'Route 2', referrer: route(1) },
    { url: route(3), title: 'Route 3', referrer: route(2) },
  ];
};

test('fired on every virtual page view: one page view per URL, referrers chained', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = watchErrors(page);
  await page.goto(tagPage(site, '&mode=spa'));
  await page.waitForFunction(() => (window as unknown as TagWindow).routesDone);
  // Fired again for a URL already counted (a history trigger that fires twice): nothing new.
  await page.evaluate(() => (window as unknown as TagWindow).tagManager.fire());
  await waitForEvents(site, (e) => ofType(e, 'page_view').length >= 4);
  await settle(page, site);
  const all = await delivered(site);

  expect(pageViews(all)).toEqual(spaViews(site));
  // The landing page view ran before the routes; the others may have waited for the extension
  // module (the bridge's first use) and carry a later page in `url`, their own in `data.url`.
  expect(ofType(all, 'page_view').sort((a, b) => a.seq - b.seq)[0].url).toBe(spaViews(site)[0].url);
  expect(await page.evaluate(() => (window as unknown as TagWindow).tagManager.fired.map((f) => f.url))).toEqual([
    ...spaViews(site).map((v) => v.url),
    spaViews(site)[3].url,
  ]);
  expect(await libraryLoads(page)).toBe(1);
  expect(ofType(all, 'cart_item').map((e) => e.data)).toEqual([STAN_TEE]);
  expect(all.map((e) => e.type).sort()).toEqual([
    'cart_data',
    'cart_item',
    'order_started',
    'page_view',
    'page_view',
    'page_view',
    'page_view',
  ]);
  expect(await errors()).toEqual([]);
});

test('routes that change before a late library arrives still count one page view per URL', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = watchErrors(page);
  await slowLibrary(page, 800);
  await page.goto(tagPage(site, '&mode=spa&spa=early'));
  const expected = spaViews(site, '&mode=spa&spa=early');
  await page.waitForFunction(() => (window as unknown as TagWindow).routesDone);
  expect(await page.evaluate(running)).toBe(false); // the routes came first
  await waitForEvents(site, (e) => ofType(e, 'page_view').length >= 4 && ofType(e, 'cart_data').length >= 1);
  await settle(page, site);
  const all = await delivered(site);
  expect(pageViews(all)).toEqual(expected);
  expect(ofType(all, 'cart_item').map((e) => e.data)).toEqual([STAN_TEE]);
  expect(await errors()).toEqual([]);
});

test('the GA4 data layer on the page is bridged once, before and after the library loads', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = watchErrors(page);
  await page.goto(tagPage(site, '&mode=late'));
  let events = await waitForEvents(site, (e) => ofType(e, 'cart_data').length >= 1);
  expect(ofType(events, 'cart_item').map((e) => e.data)).toEqual([STAN_TEE]);
  expect(ofType(events, 'cart_data').map((e) => e.data)).toEqual([{ cart_value: 3003, cart_item_count: 3 }]);

  // A later add_to_cart from the shop's theme, through the tag manager's push.
  await page.evaluate(() => (window as unknown as { ga4: { send(form: string, name: string): void } }).ga4.send('tag-manager', 'add_to_cart'));
  events = await waitForEvents(site, (e) => ofType(e, 'cart_data').length >= 2);
  await settle(page, site);
  const all = await delivered(site);
  expect(ofType(all, 'cart_item').sort((a, b) => a.seq - b.seq).map((e) => e.data)).toEqual([
    STAN_TEE,
    { ...STAN_TEE, item_qty: 6, qty_price: 6006 },
  ]);
  expect(all.map((e) => e.type).sort()).toEqual(['cart_data', 'cart_data', 'cart_item', 'cart_item', 'order_started', 'page_view']);
  expect(all.length).toBe(events.length);
  expect(await page.evaluate(() => (window as unknown as TagWindow).tagManagerSeen.filter((e) => (e as { event?: string })?.event == 'add_to_cart').length)).toBe(2);
  expect(await errors()).toEqual([]);
});
