/**
 * The merchant dashboard in real browsers, over a real collector and SQLite file: the totals,
 * funnel and carts on screen equal what the posted beacons imply (computed here from the events)
 * once the lifecycle detector decided them (the test ticks it, as the webhooks would see it),
 * both charts are drawn, a session's timeline and search work, new beacons show up live, data from
 * beacons stays text, a site login sees nothing of another site, and the page reads at 1280×800
 * and at 375 px (screenshots attached to the test output).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startCollector, type RunningCollector } from '../src/collector/collector';
import type { SiteConfig as Site } from '../src/collector/sites';

const ZONE = 'Asia/Kolkata';
const SHOP: Site = {
  id: 'shop',
  origins: ['https://shop.example'],
  key: 'shop-key',
  secret: 'shop-secret',
  token: 'shop-dashboard-token-0123456789',
  timezone: ZONE,
  currency: 'EUR',
  // 0.12 s: carts are abandoned right away, without waiting half an hour.
  abandonment_minutes: 0.002,
};
const OTHER: Site = { id: 'other', origins: ['https://other.example'], key: 'other-key', secret: 'other-secret', token: 'other-dashboard-token-012345678' };

test.use({ locale: 'en-US' });

const euros = (cents: number): string => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' }).format(cents / 100);

let collector: RunningCollector;
let dir: string;

test.beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dashboard-e2e-'));
  // No timer: the test runs the lifecycle detector itself once the buffer has passed.
  collector = await startCollector({ port: 0, host: '127.0.0.1', db: join(dir, 'collector.db'), sites: [SHOP, OTHER], automation: { intervalMs: 0 } });
});
test.afterEach(async () => {
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(site: Site, events: object[]): Promise<void> {
  const response = await fetch(`${collector.url}/v4/${site.id}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: site.origins[0] },
    body: JSON.stringify({ v: 4, lib: '1.0.0', site: site.id, sent_at: Date.now(), events }),
  });
  expect(response.status).toBe(200);
  expect((await response.json()).accepted).toBe(events.length);
}

let seq = 0;
function shopper(tag: string, site: Site = SHOP) {
  return (type: string, data: object, order: string | null = null) => ({
    id: `${tag}-${++seq}`,
    seq,
    type,
    ts: Date.now(),
    visitor: `${tag}-visitor`,
    session: `${tag}-session`,
    order,
    url: `${site.origins[0]}/cart`,
    data,
  });
}

/** Waits out the shop's buffer (0.12 s), then runs one round of the detector and conversions. */
async function decide(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 250));
  await collector.automation.tick();
}

async function logIn(page: Page, token: string): Promise<void> {
  await page.goto(`${collector.url}/inspector`);
  await expect(page).toHaveURL(/\/inspector\/login$/);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await expect(page).toHaveURL(/\/inspector$/);
}

/** How many pixels of a canvas are painted. */
const paintedPixels = (page: Page, selector: string): Promise<number> =>
  page.locator(selector).evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
    return painted;
  });

test('shows what the beacons imply, draws the charts, and reads at desktop and phone width', async ({ page }, testInfo) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() == 'error') problems.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(error.message));

  const A = shopper('a');
  const B = shopper('b');
  const C = shopper('c');
  const D = shopper('d');
  const hostile = '<img src=x onerror="window.__xss=1">';
  const aValue = 3 * 1999 + 4500;
  const bValue = 12_000;
  const cValue = 4_321;
  await post(SHOP, [
    A('product_view', { product_id: 'SKU-1', name: 'Mug', price: 1999 }),
    A('cart_item', { product_id: 'SKU-1', name: 'Mug', price: 1999, item_qty: 3 }, 'order-a'),
    A('cart_item', { product_id: 'SKU-2', name: hostile, price: 4500 }, 'order-a'),
    A('cart_data', { cart_value: aValue, cart_item_count: 4 }, 'order-a'),
    A('customer_email', { email: 'ada@shop.example', source: 'form' }, 'order-a'),
    B('product_view', { product_id: 'SKU-3', name: 'Kettle', price: bValue }),
    B('cart_item', { product_id: 'SKU-3', name: 'Kettle', price: bValue }, 'order-b'),
    C('cart_item', { product_id: 'SKU-4', name: 'Cup', price: cValue }, 'order-c'),
    C('conversion', { cart_data: { cart_value: cValue } }, 'order-c'),
    D('product_view', { product_id: 'SKU-1', name: 'Mug', price: 1999 }),
  ]);
  // A and B abandon their carts, D a browse; then B comes back and buys: a recovery.
  await decide();
  await post(SHOP, [B('conversion', { cart_data: { cart_value: bValue }, campaign_type: 'abandonment' }, 'order-b')]);
  await collector.automation.tick();
  const other = shopper('other', OTHER);
  await post(OTHER, [
    other('cart_item', { product_id: 'X-1', name: 'Other shop thing', price: 77_777 }, 'order-of-other'),
    other('customer_email', { email: 'ada@shop.example', source: 'form' }, 'order-of-other'),
  ]);

  await page.setViewportSize({ width: 1280, height: 800 });
  await logIn(page, SHOP.token!);
  await expect(page.locator('#status')).toHaveText('live');

  // Totals: B and C converted (B after its abandonment, without a click on a link); A's cart is
  // abandoned, D's browse.
  await expect(page.locator('#total-revenue')).toHaveText(euros(bValue + cValue));
  await expect(page.locator('#total-conversions')).toHaveText('2 conversions');
  await expect(page.locator('#total-recovered')).toHaveText(euros(bValue));
  await expect(page.locator('#total-recovered-count')).toHaveText('1 recovered order, 0 after a click on a link');
  await expect(page.locator('#total-abandoned')).toHaveText('1');
  await expect(page.locator('#total-abandoned-value')).toHaveText(`${euros(aValue)} left in carts · 1 browse abandoned`);
  await expect(page.locator('#total-dead')).toHaveText('0');
  // Sessions A, B and D viewed a product; orders A, B and C hold items; only A has an email.
  await expect(page.locator('#funnel dd')).toHaveText(['3', '3', '1', '2']);
  await expect(page.locator('#zone')).toHaveText(`Days and times in ${ZONE}, amounts in EUR`);

  const cart = page.locator('#cart-list tbody tr', { hasText: 'order-a' });
  await expect(cart.locator('.email')).toHaveText('ada@shop.example');
  await expect(cart.locator('.value')).toHaveText(euros(aValue));
  await expect(cart.locator('.items li')).toHaveText([`Mug × 3 @ ${euros(1999)}`, `${hostile} × 1 @ ${euros(4500)}`]);
  await expect(cart.locator('.state')).toHaveText('abandoned');
  await expect(cart.locator('.when')).toContainText('GMT+5:30');
  await expect(cart.locator('.age')).toHaveText(/^\d+ s$/);
  await expect(page.locator('#cart-list tbody tr')).toHaveCount(1);
  await page.selectOption('#cart-state', 'recovered');
  await expect(page.locator('#cart-list tbody tr .state')).toHaveText(['recovered']);
  await expect(page.locator('#cart-list tbody tr')).toContainText('order-b');
  await page.selectOption('#cart-state', 'abandoned');
  await expect(page.locator('#cart-list tbody tr')).toHaveCount(1);

  expect(await paintedPixels(page, '#revenue-chart')).toBeGreaterThan(500);
  expect(await paintedPixels(page, '#funnel-chart')).toBeGreaterThan(500);

  // The session's timeline, oldest first.
  await cart.getByRole('button', { name: 'order-a' }).click();
  await expect(page.locator('#timeline .session-id')).toHaveText('a-session');
  await expect(page.locator('#timeline .events strong')).toHaveText(['product view', 'cart item', 'cart item', 'cart data', 'customer email']);
  await expect(page.locator('#timeline .events li').first().locator('time')).toContainText('GMT+5:30');
  await testInfo.attach('dashboard-1280x800', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });

  // Search by email finds the shop's cart only (the other site knows the same email).
  await page.fill('#q', 'ADA@shop.example');
  await page.click('#search button[type=submit]');
  await expect(page.locator('#search-results tbody tr')).toHaveCount(1);
  await expect(page.locator('#search-results tbody tr')).toContainText('order-a');
  await expect(page.locator('#search-results .sessions-found')).toContainText('a-session');

  // Live: a new abandoned cart raises the count without a reload.
  const E = shopper('e');
  await post(SHOP, [
    E('cart_item', { product_id: 'SKU-5', name: 'Spoon', price: 250, item_qty: 2 }, 'order-e'),
    E('customer_email', { email: 'eve@shop.example', source: 'form' }, 'order-e'),
  ]);
  // The detector decides it before the page's refresh (a second after the live feed's news).
  await decide();
  await expect(page.locator('#total-abandoned')).toHaveText('2');
  await expect(page.locator('#cart-list tbody tr', { hasText: 'order-e' }).locator('.email')).toHaveText('eve@shop.example');

  // Nothing of the other site, on screen or through the JSON reads with crafted parameters.
  await expect(page.locator('body')).not.toContainText('order-of-other');
  await expect(page.locator('body')).not.toContainText('Other shop thing');
  // The browser's own cookie, sent by a request of the page's context (not from the page, whose
  // console would report the refusals as failed loads).
  const crafted: [number, string][] = [];
  for (const path of [
    'summary?site=other',
    'carts?site=other&state=all',
    'sessions/other-session',
    'carts?limit=100000',
    'summary?from=2026-13-01',
  ]) {
    const response = await page.request.get(`${collector.url}/inspector/api/${path}`);
    crafted.push([response.status(), (await response.json()).error]);
  }
  expect(crafted).toEqual([
    [403, 'this login sees site "shop" only'],
    [403, 'this login sees site "shop" only'],
    [404, 'no such session on this site'],
    [400, '"limit" must be a whole number from 1 to 100'],
    [400, `"from" must be a day as YYYY-MM-DD (from 2000 on), read in the site's time zone ${ZONE}`],
  ]);
  expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();

  // Phone width: nothing wider than the screen, charts still drawn.
  await page.setViewportSize({ width: 375, height: 812 });
  await expect(page.locator('#overview .card').first()).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await expect.poll(() => paintedPixels(page, '#revenue-chart')).toBeGreaterThan(500);
  await testInfo.attach('dashboard-375', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });

  expect(problems).toEqual([]);
});

test('the login page still works at phone width, and a wrong token stays on it', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 375, height: 812 });
  await page.goto(`${collector.url}/inspector`);
  await expect(page).toHaveURL(/\/inspector\/login$/);
  await page.fill('#token', 'not-a-token-of-this-collector');
  await page.click('button[type=submit]');
  await expect(page.locator('.message')).toHaveText('That token is not valid here.');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await testInfo.attach('login-375', { body: await page.screenshot(), contentType: 'image/png' });
});
