/**
 * The collector's inspector page in a real browser: beacons posted to a real collector (with a
 * real SQLite file) appear live as sessions, carts, conversions and customers, with data from
 * beacons shown as text, never as HTML.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startCollector, type RunningCollector } from '../src/collector/collector';
import type { SiteConfig as Site } from '../src/collector/sites';

const SHOP: Site = { id: 'shop', origins: ['https://shop.example'], key: 'shop-key', secret: 'shop-secret' };
const OTHER: Site = { id: 'other', origins: ['https://other.example'], key: 'other-key', secret: 'other-secret' };

let collector: RunningCollector;
let dir: string;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inspector-e2e-'));
  collector = await startCollector({ port: 0, host: '127.0.0.1', db: join(dir, 'collector.db'), sites: [SHOP, OTHER] });
});

test.afterAll(async () => {
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Posts one beacon batch like the library does and expects every event accepted. */
async function postBeacon(site: Site, events: object[]): Promise<void> {
  const response = await fetch(`${collector.url}/v4/${site.id}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: site.origins[0] },
    body: JSON.stringify({ v: 4, lib: '1.0.0', site: site.id, sent_at: Date.now(), events }),
  });
  expect(response.status).toBe(200);
  expect((await response.json()).accepted).toBe(events.length);
}

/** Events of one shopper, like the library numbers them. */
function shopper(tag: string) {
  let seq = 0;
  return (type: string, data: object, order: string | null = null) => ({
    id: `${tag}-${++seq}`,
    seq,
    type,
    ts: Date.now(),
    visitor: `${tag}-visitor`,
    session: `${tag}-session`,
    order,
    url: 'https://shop.example/cart',
    data,
  });
}

test('shows sessions, carts, conversions and customers as beacons arrive', async ({ page }, testInfo) => {
  const tag = `e2e-${testInfo.project.name}-${Date.now().toString(36)}`;
  const order = `${tag}-order`;
  const event = shopper(tag);
  await page.goto(`${collector.url}/inspector`);
  await expect(page.locator('#status')).toHaveText('live');

  await postBeacon(SHOP, [
    event('page_view', { url: 'https://shop.example/cart', title: 'Cart', referrer: '' }),
    event('cart_item', { product_id: 'SKU-1002', name: 'Exclusive TV 1002', price: 29999, item_qty: 3 }, order),
    event('cart_item', { product_id: 'SKU-7', name: '<img src=x onerror="window.__xss=1">', price: 100 }, order),
    event('cart_data', { cart_value: 90097, cart_item_count: 4 }, order),
    event('customer_email', { email: `${tag}@shop.example`, source: 'form' }, order),
    event('customer_data', { first_name: 'Jane', last_name: 'Doe', age: 31 }),
  ]);

  const sessionRow = page.locator('#sessions tbody tr', { hasText: `${tag}-session` });
  await expect(sessionRow).toContainText(`${tag}@shop.example`);
  const cartRow = page.locator('#carts tbody tr', { hasText: order });
  await expect(cartRow).toContainText('Exclusive TV 1002 (SKU-1002) × 3 @ 299.99');
  await expect(cartRow).toContainText('open');
  await expect(cartRow).toContainText('900.97');
  await expect(cartRow).toContainText('<img src=x onerror="window.__xss=1">');
  await expect(page.locator('#customers tbody tr', { hasText: `${tag}@shop.example` })).toContainText('Jane Doe');
  expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();

  await postBeacon(SHOP, [event('conversion', { cart_data: { cart_value: 89997 }, campaign_type: 'abandonment' }, order)]);
  const conversionRow = page.locator('#conversions tbody tr', { hasText: order });
  await expect(conversionRow).toContainText('beacon');
  await expect(conversionRow).toContainText('899.97');
  await expect(conversionRow).toContainText('abandonment');
  await expect(page.locator('#carts tbody tr', { hasText: order })).toHaveCount(0);
});

test('a site token logs in through the form and shows only that site', async ({ page }, testInfo) => {
  const tag = `login-${testInfo.project.name}-${Date.now().toString(36)}`;
  const loginDir = mkdtempSync(join(tmpdir(), 'inspector-login-e2e-'));
  const shopWithToken: Site = { ...SHOP, token: 'shop-dashboard-token-0123456789' };
  const guarded = await startCollector({ port: 0, host: '127.0.0.1', db: join(loginDir, 'collector.db'), sites: [shopWithToken, OTHER] });
  try {
    const post = async (site: Site, events: object[]): Promise<void> => {
      const response = await fetch(`${guarded.url}/v4/${site.id}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: site.origins[0] },
        body: JSON.stringify({ v: 4, lib: '1.0.0', site: site.id, sent_at: Date.now(), events }),
      });
      expect(response.status).toBe(200);
    };
    await post(OTHER, [{ ...shopper(`${tag}-other`)('page_view', { url: 'https://other.example/', title: 'x', referrer: '' }), url: 'https://other.example/' }]);

    // A credential is configured, so even loopback is sent to the form; a wrong token stays there.
    await page.goto(`${guarded.url}/inspector`);
    await expect(page).toHaveURL(/\/inspector\/login$/);
    await page.fill('#token', 'not-a-token');
    await page.click('button[type=submit]');
    await expect(page.locator('body')).toContainText('That token is not valid here.');

    await page.fill('#token', 'shop-dashboard-token-0123456789');
    await page.click('button[type=submit]');
    await expect(page).toHaveURL(/\/inspector$/);
    await expect(page.locator('#status')).toHaveText('live');
    await post(shopWithToken, [shopper(`${tag}-shop`)('page_view', { url: 'https://shop.example/', title: 'x', referrer: '' })]);
    await expect(page.locator('#sessions tbody')).toContainText(`${tag}-shop-session`);
    await expect(page.locator('#sessions tbody')).not.toContainText(`${tag}-other-session`);
    // The token never appears in a URL.
    expect(page.url()).not.toContain('shop-dashboard-token-0123456789');
  } finally {
    await guarded.close();
    rmSync(loginDir, { recursive: true, force: true });
  }
});
