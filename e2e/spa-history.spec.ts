/**
 * `['trackHistory', true]` in a router-driven single-page shop (e2e/fixtures/spa/app.html): which
 * `page_view` events arrive, in which order, with which URL, title and referrer, and that none is
 * counted twice. A page view is counted 50 ms after a real URL change (pushState, replaceState,
 * popstate; fragment changes only with `{hash: true}`), a redirect (push then replace) counts
 * once, an app that also calls `addPageView` itself is not counted twice, a page restored from
 * the back/forward cache counts once, and a route change right before leaving still arrives.
 *
 * Each step waits for its page view at the test server before the next one (a shopper is slower
 * than 50 ms). "Nothing more" is checked with a marker: after the last expected page view has
 * arrived, the test pushes a product view and waits for it; the sender delivers in queue order,
 * so any page view counted before the marker has arrived by then.
 */
import { expect, test, type Page } from '@playwright/test';
import type { WireEvent } from '../src/protocol/types';
import { BASE, delivered, ofType, siteFor, waitForEvents } from './support/beacons';
import { backFromCache, countRestores, launchWithBackForwardCache, watchErrors } from './support/page';
import { holdsFor } from './support/settle';

const APP = '/e2e/fixtures/spa/app.html';
const SHOP = '/e2e/fixtures/spa/shop/';
const AWAY = '/e2e/fixtures/spa/away.html';

const appPath = (site: string, query = '') => `${APP}?site=${site}${query}`;
const route = (name: string, query = '') => `${BASE}${SHOP}${name}${query}`;
const titleOf = (name: string) => `${name} – SPA shop`;

interface View {
  url: string;
  title: string;
  referrer: string;
}

const bySeq = (events: WireEvent[]) => [...events].sort((a, b) => a.seq - b.seq);
const viewsOf = (events: WireEvent[]): View[] =>
  ofType(bySeq(events), 'page_view').map((e) => {
    const { url, title, referrer } = e.data as unknown as View;
    return { url, title, referrer };
  });

/** Waits until `count` page views have arrived, and returns them in seq order. */
const pageViews = async (site: string, count: number): Promise<View[]> =>
  viewsOf(await waitForEvents(site, (events) => ofType(events, 'page_view').length >= count));

/** The history hooks are in place once pushState is no longer the browser's own function. */
const historyTracked = (page: Page) =>
  page.waitForFunction(() => !String(history.pushState).includes('[native code]'));

/** Opens the app and waits for its first page view and for the history hooks. */
async function open(page: Page, site: string, query = ''): Promise<string> {
  await page.goto(appPath(site, query));
  await historyTracked(page);
  await pageViews(site, 1);
  return BASE + appPath(site, query);
}

let markers = 0;
/**
 * Pushes a marker event and waits for it: everything queued before it has arrived by then.
 * Returns all page views in seq order.
 */
async function settle(page: Page, site: string): Promise<View[]> {
  const id = `MARK-${markers++}`;
  await page.evaluate((productId) => {
    (window as unknown as { _rejoiner: unknown[] })._rejoiner.push(['trackProductView', { product_id: productId }]);
  }, id);
  const events = await waitForEvents(site, (all) =>
    all.some((e) => e.type == 'product_view' && (e.data as { product_id?: string }).product_id == id),
  );
  const ids = events.map((e) => e.id);
  expect(new Set(ids).size, 'an event delivered twice').toBe(ids.length);
  return viewsOf(events);
}

const click = (page: Page, selector: string) => page.click(selector);
const clickRoute = (page: Page, name: string) => page.click(`a[data-route="${name}"]`);

test('push, a replace with a new query, a redirect and back/forward each count once; a state-only replace does not', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = watchErrors(page);
  const home = await open(page, site);
  const expected: View[] = [{ url: home, title: titleOf('Home'), referrer: '' }];
  expect(await pageViews(site, 1)).toEqual(expected);

  // pushState, title set by the router right after it.
  await clickRoute(page, 'products');
  expected.push({ url: route('products'), title: titleOf('Products'), referrer: home });
  expect(await pageViews(site, 2)).toEqual(expected);

  // replaceState with a new query: a new URL.
  await click(page, '#filter-red');
  expected.push({ url: route('products', '?color=red'), title: titleOf('Products'), referrer: route('products') });
  expect(await pageViews(site, 3)).toEqual(expected);

  // replaceState of the state only (same URL): not a page view.
  await click(page, '#remember-scroll');
  expect(await page.evaluate(() => (history.state as { scroll?: number }).scroll)).toBe(120);

  // An old link: pushState then replaceState at once; only the final URL counts.
  await clickRoute(page, 'old-sale');
  await expect(page).toHaveURL(route('sale'));
  expected.push({ url: route('sale'), title: titleOf('Sale'), referrer: route('products', '?color=red') });
  expect(await pageViews(site, 4)).toEqual(expected);

  // Back (popstate) to the filtered products, forward to the sale.
  await page.goBack();
  await expect(page).toHaveURL(route('products', '?color=red'));
  expected.push({ url: route('products', '?color=red'), title: titleOf('Products'), referrer: route('sale') });
  expect(await pageViews(site, 5)).toEqual(expected);

  await page.goForward();
  await expect(page).toHaveURL(route('sale'));
  expected.push({ url: route('sale'), title: titleOf('Sale'), referrer: route('products', '?color=red') });
  expect(await pageViews(site, 6)).toEqual(expected);

  // Nothing else: not the state-only replace, not the redirect's first URL, no double.
  expect(await settle(page, site)).toEqual(expected);
  expect(errors).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { pageErrors: string[] }).pageErrors)).toEqual([]);
});

test('fragment changes are not page views by default; back across them counts only real URL changes', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = watchErrors(page);
  const home = await open(page, site);

  await click(page, '#to-reviews');
  await expect(page).toHaveURL(`${home}#reviews`);
  await click(page, '#to-specs');
  await expect(page).toHaveURL(`${home}#specs`);
  await clickRoute(page, 'cart');
  const expected: View[] = [
    { url: home, title: titleOf('Home'), referrer: '' },
    { url: route('cart'), title: titleOf('Cart'), referrer: home },
  ];
  expect(await pageViews(site, 2)).toEqual(expected);

  // Back from the cart to home#specs: a real URL change (the page's URL, fragment and all).
  await page.goBack();
  await expect(page).toHaveURL(`${home}#specs`);
  expected.push({ url: `${home}#specs`, title: titleOf('Home'), referrer: route('cart') });
  expect(await pageViews(site, 3)).toEqual(expected);

  // Back to home#reviews: only the fragment changed.
  await page.goBack();
  await expect(page).toHaveURL(`${home}#reviews`);
  expect(await settle(page, site)).toEqual(expected);
  expect(errors).toEqual([]);
});

test('with {hash: true} fragment changes are page views, back across them too', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = watchErrors(page);
  const home = await open(page, site, '&hash=1');
  const expected: View[] = [{ url: home, title: titleOf('Home'), referrer: '' }];

  await click(page, '#to-reviews');
  expected.push({ url: `${home}#reviews`, title: titleOf('Home'), referrer: home });
  expect(await pageViews(site, 2)).toEqual(expected);

  await click(page, '#to-specs');
  expected.push({ url: `${home}#specs`, title: titleOf('Home'), referrer: `${home}#reviews` });
  expect(await pageViews(site, 3)).toEqual(expected);

  await page.goBack();
  await expect(page).toHaveURL(`${home}#reviews`);
  expected.push({ url: `${home}#reviews`, title: titleOf('Home'), referrer: `${home}#specs` });
  expect(await pageViews(site, 4)).toEqual(expected);

  await clickRoute(page, 'products');
  expected.push({ url: route('products'), title: titleOf('Products'), referrer: `${home}#reviews` });
  expect(await pageViews(site, 5)).toEqual(expected);

  expect(await settle(page, site)).toEqual(expected);
  expect(errors).toEqual([]);
});

for (const manual of ['now', 'late'] as const) {
  const when = manual == 'now' ? 'right after each route change (before the automatic one)' : '200 ms after each route change (after the automatic one)';
  test(`an app that also calls addPageView ${when}: each route counted once`, async ({ page }, info) => {
    const site = siteFor(info);
    const errors = watchErrors(page);
    const home = await open(page, site, `&manual=${manual}`);
    const expected: View[] = [{ url: home, title: titleOf('Home'), referrer: '' }];
    const step = async (action: () => Promise<unknown>, view: View) => {
      await action();
      expected.push(view);
      expect(await pageViews(site, expected.length)).toEqual(expected);
    };

    await step(() => clickRoute(page, 'products'), { url: route('products'), title: titleOf('Products'), referrer: home });
    await step(() => clickRoute(page, 'old-sale'), { url: route('sale'), title: titleOf('Sale'), referrer: route('products') });
    await step(() => clickRoute(page, 'cart'), { url: route('cart'), title: titleOf('Cart'), referrer: route('sale') });
    await step(() => page.goBack(), { url: route('sale'), title: titleOf('Sale'), referrer: route('cart') });
    // Each step waited for its page view at the server (a second of batching): the app's own
    // call, 200 ms late at most, was made before the next step.
    expect(await settle(page, site)).toEqual(expected);
    expect(errors).toEqual([]);
  });
}

for (const timers of ['on time', 'late'] as const) {
  const title =
    timers == 'on time'
      ? 'a route change right before leaving the page still arrives'
      : 'a route change right before leaving, its 50 ms timer not yet run at page hide (a busy or background page): counted at hide';
  test(title, async ({ page }, info) => {
    const site = siteFor(info);
    const errors = watchErrors(page);
    if (timers == 'late')
      // Timers run late in a busy or background page: here the library's 50 ms wait cannot end
      // before the page hides, so the page view must be counted by the hide itself.
      await page.addInitScript(() => {
        const original = window.setTimeout;
        window.setTimeout = ((handler: TimerHandler, delay?: number, ...rest: unknown[]) =>
          original(handler, delay === 50 ? 10_000 : delay, ...rest)) as typeof setTimeout;
      });
    const home = await open(page, site);
    // The router's pushState and a full navigation away in the same task. (On time, the 50 ms
    // wait usually ends before the next page commits; the page view leaves with the hide beacon.)
    await page.evaluate((away) => {
      (document.querySelector('a[data-route="checkout"]') as HTMLAnchorElement).click();
      location.href = away;
    }, AWAY);
    await page.waitForURL(`**${AWAY}`);
    const events = await waitForEvents(site, (all) => ofType(all, 'page_view').length >= 2);
    expect(viewsOf(events)).toEqual([
      { url: home, title: titleOf('Home'), referrer: '' },
      { url: route('checkout'), title: titleOf('Checkout'), referrer: home },
    ]);
    // Nothing more arrives (the page is gone: no marker can be pushed, so watch for a while).
    await holdsFor(async () => {
      const all = await delivered(site);
      expect(viewsOf(all)).toHaveLength(2);
      expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    }, 2000);
    expect(errors).toEqual([]);
  });
}

test('a page restored from the back/forward cache counts one page view, and routes count after it', async ({ playwright, browserName, launchOptions, channel }, info) => {
  test.setTimeout(60_000); // a browser of its own to launch
  const browser = await launchWithBackForwardCache(playwright[browserName], launchOptions, channel);
  try {
    const page = await browser.newPage({ baseURL: info.project.use.baseURL });
    const site = siteFor(info);
    const errors = watchErrors(page);
    // The test server sends `Cache-Control: no-store`, which keeps pages out of the cache: serve
    // the app cacheable, as a shop would, and serve its shell for every route (history fallback),
    // so that a reload of a route would still load the app.
    await page.route(/\/e2e\/fixtures\/spa\/(app\.html|shop\/)/, async (request) => {
      const response = await request.fetch({ url: `${BASE}${appPath(site)}` });
      const headers = { ...response.headers() };
      delete headers['cache-control'];
      await request.fulfill({ response, headers });
    });
    await countRestores(page);

    const home = await open(page, site);
    await clickRoute(page, 'products');
    const expected: View[] = [
      { url: home, title: titleOf('Home'), referrer: '' },
      { url: route('products'), title: titleOf('Products'), referrer: home },
    ];
    expect(await pageViews(site, 2)).toEqual(expected);

    await page.goto(AWAY);
    const restored = await backFromCache(page);
    expect(restored, 'restored from the back/forward cache (pageshow with persisted)').toBe(true);
    expect(await page.evaluate(() => location.href)).toBe(route('products'));
    expect(await page.evaluate(() => document.title)).toBe(titleOf('Products'));

    // Counted once by the core, from the page's memory: the referrer is its previous page view.
    expected.push({ url: route('products'), title: titleOf('Products'), referrer: route('products') });
    expect(await pageViews(site, 3)).toEqual(expected);

    // History tracking goes on after the restore. (The link is clicked from inside the page:
    // Playwright's own click never returns on a page Firefox restored from the cache.)
    await page.evaluate(() => (document.querySelector('a[data-route="cart"]') as HTMLAnchorElement).click());
    expected.push({ url: route('cart'), title: titleOf('Cart'), referrer: route('products') });
    expect(await pageViews(site, 4)).toEqual(expected);

    expect(await settle(page, site)).toEqual(expected);
    expect(await page.evaluate(() => (window as unknown as { restores: number }).restores)).toBe(1);
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
