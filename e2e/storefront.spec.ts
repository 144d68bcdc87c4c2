/**
 * The demo storefront of `npm start`, clicked through in a real browser against the real
 * collector (real HTTP, a real SQLite file): what a new user sees, checked through the signed
 * REST API a merchant's backend would use.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startCollector, type RunningCollector } from '../src/collector/collector';
import { DEMO_KEY, DEMO_SECRET } from '../src/collector/sites';
import { createRejoinerClient } from '../src/node';
import type { WireEvent } from '../src/protocol/types';

let collector: RunningCollector;
let dir: string;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'storefront-e2e-'));
  collector = await startCollector({
    port: 0,
    host: '127.0.0.1',
    db: join(dir, 'collector.db'),
    publicDir: 'public',
    distDir: 'dist',
  });
});

test.afterAll(async () => {
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = () =>
  createRejoinerClient({ baseUrl: collector.url, siteId: 'demo', key: DEMO_KEY, secret: DEMO_SECRET });

async function storedEvents(): Promise<WireEvent[]> {
  const { events } = await client().exportEvents();
  const all: WireEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

test('a shopper clicks through the demo shop and the collector assembles it all', async ({ page }, info) => {
  const email = `shopper-${info.project.name}-${Date.now().toString(36)}@example.com`;
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto(`${collector.url}/`);
  await page.getByRole('link', { name: 'Exclusive TV 1002' }).click();
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('link', { name: 'Go to cart →' }).click();
  await page.getByRole('link', { name: 'Checkout →' }).click();
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Coupon').fill('decoy@example.com');
  await page.getByLabel('First name').fill('Ann');
  await page.getByRole('button', { name: 'Place order' }).click();
  await expect(page.getByRole('heading', { name: 'Thank you for your order!' })).toBeVisible();

  // This shopper's events: the visitor whose form email is ours.
  const eventsOfShopper = async () => {
    const all = await storedEvents();
    const visitor = all.find((e) => e.type == 'customer_email' && (e.data as { email: string }).email == email)?.visitor;
    return all.filter((e) => e.visitor == visitor);
  };
  await expect.poll(async () => (await eventsOfShopper()).some((e) => e.type == 'conversion'), { timeout: 15_000 }).toBe(true);

  const mine = await eventsOfShopper();
  const types = mine.map((e) => e.type);
  expect(types.filter((t) => t == 'page_view')).toHaveLength(5); // shop, product, cart, checkout, thank-you
  expect(types).toContain('product_view');
  expect(types).toContain('cart_item');
  expect(types).toContain('cart_data');
  const item = mine.find((e) => e.type == 'cart_item')!;
  expect(item.data).toMatchObject({ product_id: 'TV-1002', price: 29999, item_qty: 1, qty_price: 29999 });
  const emails = mine.filter((e) => e.type == 'customer_email').map((e) => e.data);
  expect(emails).toEqual([{ email, source: 'form' }]);
  const conversion = mine.find((e) => e.type == 'conversion')!;
  expect(conversion.order).toBe(item.order);
  expect(conversion.data).toMatchObject({ cart_data: { cart_value: 29999, cart_item_count: 1 }, cart_items: [{ product_id: 'TV-1002' }] });
  expect(new Set(mine.map((e) => e.id)).size).toBe(mine.length);
  // The checkout form is a POST: nothing the shopper typed travels in a URL, so no event holds it.
  const urls = JSON.stringify(mine.map((e) => [e.url, (e.data as { url?: string; referrer?: string }).url, (e.data as { referrer?: string }).referrer]));
  expect(urls).not.toMatch(/billing_email|password|coupon_code/);

  const customer = await client().getCustomer(email);
  expect(customer).toMatchObject({ email, first_name: 'Ann' });
  expect(errors).toEqual([]);
});
