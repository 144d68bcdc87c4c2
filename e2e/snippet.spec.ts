import { expect, test } from '@playwright/test';
import { BASE, ofType, received, siteFor, waitForEvents } from './support/beacons';
import { expectNothingSent, settle } from './support/settle';

const open = (site: string, fixture = 'snippet.html', query = '') =>
  `/e2e/fixtures/${fixture}?site=${site}${query}`;

test('the guide snippet sends a page view in the protocol shape', async ({ page }, info) => {
  const site = siteFor(info);
  await page.goto(open(site));
  const [view] = await waitForEvents(site, (e) => e.length > 0);
  const [batch] = await received(site);

  expect(batch.contentType).toBe('text/plain;charset=UTF-8');
  expect(batch.body).toMatchObject({ v: 4, lib: '1.0.0', site });
  expect(batch.body.sent_at).toBeGreaterThan(Date.now() - 60_000);
  expect(view).toMatchObject({
    type: 'page_view',
    seq: 1,
    order: null,
    url: `${BASE}${open(site)}`,
    data: { url: `${BASE}${open(site)}`, title: 'Snippet page', referrer: '' },
  });
  // Ids: the page's random part (base 36) and a counter; never a `.` (the identity cookie's separator).
  const id = /^[a-z0-9]{12,}-\d+$/;
  expect(view.id).toMatch(id);
  expect(view.visitor).toMatch(id);
  expect(view.session).toMatch(id);
  expect(new Set([view.id, view.visitor, view.session]).size).toBe(3);
  expect(Math.abs(view.ts - Date.now())).toBeLessThan(60_000);
});

test('every command pushed before load arrives normalized, in order, with the order lifecycle', async ({ page }, info) => {
  const site = siteFor(info);
  await page.goto(open(site, 'all-commands.html'));
  const events = await waitForEvents(site, (e) => e.some((x) => x.type == 'cart_cleared'));
  expect(await page.evaluate(() => (window as unknown as { pageErrors: string[] }).pageErrors)).toEqual([]);

  const byType = (type: string) => ofType(events, type).map((e) => e.data);
  expect(byType('product_view')).toEqual([
    { product_id: '1223', name: 'Standard TV 1223', category: ['tv'], price: 19999, product_url: 'https://shop.example/p/1223', image_url: 'https://shop.example/i/1223.jpg' },
  ]);
  expect(byType('cart_data')).toEqual([{ cart_value: 79996, cart_item_count: 4, return_url: 'https://shop.example/cart/1' }]);
  expect(byType('cart_item')).toEqual([
    { product_id: 'SKU-1002', name: 'Exclusive TV 1002', category: ['exclusive-items', 'tv'], price: 29999, item_qty: 3, qty_price: 89997, metadata: { gift_wrap: 'true' } },
    { product_id: 'SKU-7', price: 500, item_qty: 1, qty_price: 500, category: [] },
    { product_id: 'SKU-9', price: 100 },
  ]);
  expect(byType('cart_item_removed')).toEqual([{ product_id: 'SKU-7' }]);
  expect(byType('customer_data')).toEqual([{ age: 23, gender: 'm', language: 'en', first_name: 'John', metadata: { loyalty: 'gold' } }]);
  expect(byType('customer_email')).toEqual([
    { email: 'buyer@example.com', source: 'api' },
    { email: 'john@example.com', source: 'api' },
  ]);
  expect(byType('list_subscription')).toEqual([{ email: 'john@example.com', list_id: 'newsletter', first_name: 'John' }]);
  expect(byType('session_metadata')).toEqual([{ metadata: { ab_test: 'B', visits: '3' } }]);
  expect(byType('page_view').map((d) => (d as { url: string }).url)).toEqual([
    `${BASE}/virtual/step-2`,
    `${BASE}${open(site, 'all-commands.html')}`,
  ]);
  expect(byType('conversion')).toEqual([
    {
      campaign_type: 'abandonment',
      campaign_ids: ['517e97c518484d2b1a000000'],
      cart_data: { cart_value: 79996, cart_item_count: 2, order_number: 'ACID/12113/07/16', promo: 'SUMMERSALE16' },
      cart_items: [{ product_id: 'SKU-1002', price: 29999, item_qty: 3, qty_price: 89997, metadata: { my_custom_param_1: 'my custom value 1' } }],
    },
  ]);

  // Push order is kept; seq grows by one per event.
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  expect(sorted.map((e) => e.seq)).toEqual(sorted.map((_, i) => i + 1));
  expect(sorted.map((e) => e.type)).toEqual([
    'product_view', 'order_started', 'cart_data', 'customer_email', 'cart_item', 'cart_item', 'cart_item_removed',
    'customer_data', 'customer_email', 'list_subscription', 'session_metadata', 'page_view', 'conversion',
    'order_started', 'cart_item', 'cart_cleared', 'page_view',
  ]);

  // Orders: the first cart event opened one, the conversion closed it, startNewOrder opened the
  // next, clearCartData detached it.
  const [first, second] = ofType(sorted, 'order_started').map((e) => e.order);
  expect(first).toBeTruthy();
  expect(second).toBeTruthy();
  expect(second).not.toBe(first);
  expect(ofType(sorted, 'product_view')[0].order).toBeNull();
  expect(ofType(sorted, 'conversion')[0].order).toBe(first);
  expect(ofType(sorted, 'cart_cleared')[0].order).toBe(second);
  expect(sorted.at(-1)!.order).toBeNull(); // the automatic page view after clearCartData
});

test('bad commands amid good ones are skipped without a page error', async ({ page }, info) => {
  const site = siteFor(info);
  const warnings: string[] = [];
  page.on('console', (m) => m.type() == 'warning' && warnings.push(m.text()));
  await page.goto(open(site, 'bad-commands.html'));
  const events = await waitForEvents(site, (e) => e.some((x) => x.type == 'page_view') && e.length >= 5);
  expect(await page.evaluate(() => (window as unknown as { pageErrors: string[] }).pageErrors)).toEqual([]);
  const products = events.filter((e) => e.type == 'cart_item' || e.type == 'product_view').map((e) => (e.data as { product_id: string }).product_id);
  expect(products.sort()).toEqual(['GOOD-1', 'GOOD-2', 'GOOD-3']);
  expect(events.map((e) => e.type).sort()).toEqual(['cart_item', 'cart_item', 'order_started', 'page_view', 'product_view']);
  expect(warnings).toEqual([]); // silent without debug mode
  expect(await page.evaluate(() => (window as unknown as { _rejoiner: unknown[] })._rejoiner.push(['setCartItem', null]))).toBe(0);
});

// The readable messages come from the debug module, loaded once debug mode is on: commands pushed
// before it arrived are explained too, the same way whichever switch turned debug mode on.
for (const how of ['?rejoiner_debug=1', "['setDebug', true] first in the queue"]) {
  test(`debug mode explains each command and each skipped one (${how})`, async ({ page }, info) => {
    const site = siteFor(info);
    const lines: string[] = [];
    page.on('console', (m) => lines.push(`${m.type()} ${m.text()}`));
    if (how.startsWith('[')) await page.addInitScript(() => ((window as unknown as { _rejoiner: unknown[] })._rejoiner = [['setDebug', true]]));
    await page.goto(open(site, 'bad-commands.html', how.startsWith('?') ? '&rejoiner_debug=1' : ''));
    await waitForEvents(site, (e) => e.length >= 5);
    await expect.poll(() => lines.join('\n')).toContain('setCustomerData failed:');
    await expect.poll(() => lines.join('\n')).toContain('log [rejoiner] send');
    const text = lines.join('\n');
    expect(text).toContain(`log [rejoiner] setAccount ${site}`);
    expect(text).toContain('log [rejoiner] trackProductView');
    expect(text).toContain('warning [rejoiner] unknown command null');
    expect(text).toContain('warning [rejoiner] unknown command 42');
    expect(text).toContain('warning [rejoiner] unknown command setCartData');
    expect(text).toContain('warning [rejoiner] cart_item: not an object');
    expect(text).toContain('warning [rejoiner] cart_item: product_id is required');
    expect(text).toContain('warning [rejoiner] email: dropped not-an-email');
    expect(text).toContain('warning [rejoiner] customer_email: email is required');
    expect(text).toContain('warning [rejoiner] addPageView failed:');
    expect(await page.evaluate(() => (window as unknown as { pageErrors: string[] }).pageErrors)).toEqual([]);
  });
}

test('without debug mode the debug module is never loaded', async ({ page }, info) => {
  const site = siteFor(info);
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(open(site, 'bad-commands.html'));
  await waitForEvents(site, (e) => e.length >= 5);
  expect(requested.filter((url) => url.includes('rejoiner-debug'))).toEqual([]);
});

test('commands before setAccount are held and sent with the URL of their push', async ({ page }, info) => {
  const site = siteFor(info);
  await page.goto('/e2e/fixtures/no-account.html');
  const firstUrl = page.url();
  await page.waitForFunction(() => !Array.isArray((window as unknown as { _rejoiner: { push: unknown } })._rejoiner.push) && (window as unknown as { _rejoinerDispatch?: unknown })._rejoinerDispatch);
  await expectNothingSent(page, site);
  await page.evaluate(() => history.pushState({}, '', '/e2e/fixtures/moved.html'));
  await page.evaluate((s) => (window as unknown as { _rejoiner: unknown[] })._rejoiner.push(['setCartItem', { product_id: 'LATER-1' }], ['setAccount', s]), site);
  const events = await waitForEvents(site, (e) => e.length >= 4);
  const early = events.find((e) => e.type == 'cart_item' && (e.data as { product_id: string }).product_id == 'EARLY-1')!;
  const later = events.find((e) => e.type == 'cart_item' && (e.data as { product_id: string }).product_id == 'LATER-1')!;
  expect(early.url).toBe(firstUrl);
  expect(later.url).toBe(`${BASE}/e2e/fixtures/moved.html`);
  expect(ofType(events, 'page_view')[0].url).toBe(firstUrl);
});

test('a library loaded late and twice boots once, keeps expandos and doubles nothing', async ({ page }, info) => {
  const site = siteFor(info);
  await page.goto(open(site, 'late-and-twice.html'));
  await page.waitForFunction(() => performance.getEntriesByType('resource').filter((r) => r.name.includes('__slow.js')).length == 2);
  // Booted: the dispatcher took over the queue.
  await page.waitForFunction(() => {
    const w = window as unknown as { _rejoiner: { push: unknown }; _rejoinerDispatch?: unknown };
    return typeof w._rejoinerDispatch == 'function' && w._rejoiner.push === w._rejoinerDispatch;
  });
  await page.evaluate(() => (window as unknown as { _rejoiner: unknown[] })._rejoiner.push(['setCartItem', { product_id: 'AFTER-LOAD' }]));
  const events = await waitForEvents(site, (e) => e.some((x) => (x.data as { product_id?: string }).product_id == 'AFTER-LOAD'));
  const all = await settle(page, site);
  expect(all.map((e) => e.type).sort()).toEqual(['cart_item', 'cart_item', 'order_started', 'page_view']);
  expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
  expect(events.length).toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as unknown as { _rejoiner: { expando: string } })._rejoiner.expando)).toBe('kept');
  expect(await page.evaluate(() => (window as unknown as { pageErrors: string[] }).pageErrors)).toEqual([]);
});

test("['trackPageView', false] at the end of the body turns the automatic page view off", async ({ page }, info) => {
  const site = siteFor(info);
  await page.goto(open(site, 'no-pageview.html'));
  await waitForEvents(site, (e) => e.some((x) => x.type == 'product_view'));
  expect((await settle(page, site)).map((e) => e.type)).toEqual(['product_view']);
});

test("['trackPageView', false] at the end of the body still wins while earlier commands wait for the extension module", async ({ page }, info) => {
  const site = siteFor(info);
  // The module arrives long after the page is parsed: the automatic page view waits in the queue.
  await page.route('**/rejoiner-extensions.js', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await route.continue();
  });
  await page.goto(open(site, 'no-pageview-after-module.html'));
  await waitForEvents(site, (e) => e.some((x) => x.type == 'product_view'));
  const events = await settle(page, site);
  expect(events.map((e) => e.type)).toEqual(['customer_data', 'product_view']);
  expect(events.map((e) => e.seq)).toEqual([1, 2]);
});

for (const domain of ['', '.http://www.shop.com', '127.0.0.1', '.http://127.0.0.1/']) {
  test(`ids stay stable across pages with setDomain ${JSON.stringify(domain)}`, async ({ page }, info) => {
    const site = siteFor(info);
    const query = `&domain=${encodeURIComponent(domain)}`;
    await page.goto(open(site, 'domain.html', query));
    await waitForEvents(site, (e) => e.length == 1);
    await page.evaluate(() => (window as unknown as { _rejoiner: unknown[] })._rejoiner.push(['setCartItem', { product_id: 'A' }]));
    await waitForEvents(site, (e) => e.length == 3);
    await page.goto(open(site, 'domain.html', query + '&page=2'));
    const events = await waitForEvents(site, (e) => e.length == 4);
    const [first, , , second] = events;
    expect(second.type).toBe('page_view');
    expect(second.visitor).toBe(first.visitor);
    expect(second.session).toBe(first.session);
    expect(second.order).toBe(events[1].order);
    expect(second.seq).toBe(4);
    const cookies = await page.context().cookies();
    const rj = cookies.filter((c) => c.name == 'rj');
    expect(rj).toHaveLength(1);
    expect(rj[0].value).toMatch(new RegExp(`^${first.visitor}\\.4\\.${first.session}\\.\\d+\\.${events[1].order}$`));
  });
}

test('events pushed right before a navigation are delivered at page hide', async ({ page }, info) => {
  const site = siteFor(info);
  await page.goto(open(site));
  await waitForEvents(site, (e) => e.length == 1);
  await page.evaluate(() => {
    for (let i = 0; i < 5; i++) (window as unknown as { _rejoiner: unknown[] })._rejoiner.push(['trackProductView', { product_id: 'NAV-' + i }]);
    (document.getElementById('next') as HTMLAnchorElement).click();
  });
  const events = await waitForEvents(site, (e) => e.filter((x) => x.type == 'product_view').length == 5 && e.length >= 7);
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
});
