/**
 * Statistics from what was tracked, end to end: a shopper on the demo storefront (served by a
 * real collector, loading the real `dist/rejoiner.js`) tells an email and sends conversions with
 * cart values through the snippet's own commands; the loyalty platform's read (seed 002,
 * `GET /organizations/{site}/customers?email=` with the site's Bearer token, over HTTP) shows
 * `totalSpend` as their sum in cents and `lastSpentAt` set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startCollector, type RunningCollector } from '../src/collector/collector';
import { DEMO_KEY, DEMO_SECRET, DEMO_SITE_ID, DEMO_TOKEN } from '../src/collector/sites';
import { createRejoinerClient } from '../src/node';
import { watchErrors } from './support/page';

let collector: RunningCollector;
let dir: string;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'customer-statistics-e2e-'));
  // The demo: no sites file, so the demo site (id "demo", its token) and the demo shop.
  collector = await startCollector({ port: 0, host: '127.0.0.1', db: join(dir, 'collector.db'), publicDir: 'public', distDir: 'dist' });
});

test.afterAll(async () => {
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface LoyaltyCustomer {
  id: string;
  email?: string;
  statistics: { totalSpend: number; lastSpentAt: string | null };
}

/** The loyalty platform's search by email, as its client sends it. */
async function loyaltyByEmail(email: string): Promise<LoyaltyCustomer[]> {
  const response = await fetch(`${collector.url}/organizations/${DEMO_SITE_ID}/customers?email=${encodeURIComponent(email)}`, {
    headers: { authorization: `Bearer ${DEMO_TOKEN}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as LoyaltyCustomer[];
}

/** The cart values of the conversions the collector stored (its events export, signed with the demo pair). */
async function storedConversionValues(): Promise<number[]> {
  const client = createRejoinerClient({ baseUrl: collector.url, siteId: DEMO_SITE_ID, key: DEMO_KEY, secret: DEMO_SECRET });
  const { events } = await client.exportEvents();
  const values: number[] = [];
  for await (const event of events)
    if (event.type == 'conversion') values.push(Number((event.data as { cart_data?: { cart_value?: unknown } }).cart_data?.cart_value));
  return values;
}

/** Pushes snippet commands in the page, as a shop's own scripts do. */
const push = (page: Page, ...commands: unknown[][]): Promise<unknown> =>
  page.evaluate((list) => (window as unknown as { _rejoiner: unknown[] })._rejoiner.push(...list), commands);

const emailFor = (label: string, project: string): string => `${label}-${project}-${Date.now().toString(36)}@statistics.example`;

test('conversions sent by the snippet add up in the loyalty platform\'s totalSpend', async ({ page }, info) => {
  const errors = watchErrors(page);
  const email = emailFor('spender', info.project.name);
  const started = Date.now();

  await page.goto(`${collector.url}/`);
  await push(page, ['setCustomerEmail', { email }]);
  // A checkout: a cart, then its conversion.
  await push(page, ['setCartItem', { product_id: 'TV-1002', name: 'Exclusive TV 1002', price: 12999, item_qty: 1, qty_price: 12999 }], ['setCartData', { cart_value: 12999, cart_item_count: 1 }]);
  await push(page, ['sendConversion', { cart_data: { cart_value: 12999, cart_item_count: 1 } }]);
  // A thank-you page that only reports the conversion.
  await push(page, ['sendConversion', { cart_data: { cart_value: 4550 } }]);

  // Another page of the same visit: a cart whose conversion says what was really paid.
  await page.goto(`${collector.url}/cart.html`);
  await push(page, ['setCartData', { cart_value: 1 }]);
  await push(page, ['sendConversion', { cart_data: { cart_value: 2001 } }]);

  await expect
    .poll(async () => (await loyaltyByEmail(email)).map((customer) => customer.statistics.totalSpend), { timeout: 15_000 })
    .toEqual([12999 + 4550 + 2001]);
  const [customer] = await loyaltyByEmail(email);
  expect(customer.email).toBe(email);
  expect(customer.statistics.lastSpentAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const last = Date.parse(customer.statistics.lastSpentAt!);
  expect(last).toBeGreaterThanOrEqual(started - 60_000);
  expect(last).toBeLessThanOrEqual(Date.now() + 60_000);

  // The single read says the same.
  const single = await fetch(`${collector.url}/organizations/${DEMO_SITE_ID}/customers/${customer.id}`, { headers: { authorization: `Bearer ${DEMO_TOKEN}` } });
  expect(((await single.json()) as LoyaltyCustomer).statistics).toEqual(customer.statistics);
  expect(errors).toEqual([]);
});

test('a conversion made before the shopper tells an email counts once the email is known', async ({ page }, info) => {
  const email = emailFor('late-email', info.project.name);
  await page.goto(`${collector.url}/`);
  // The conversion is stored before anyone knows whose it is.
  await push(page, ['sendConversion', { cart_data: { cart_value: 3300 } }]);
  await expect.poll(async () => (await storedConversionValues()).includes(3300), { timeout: 15_000 }).toBe(true);
  await push(page, ['setCustomerEmail', { email }]);
  // Sent with the next page's beacons at the latest.
  await page.goto(`${collector.url}/cart.html`);
  await expect.poll(async () => (await loyaltyByEmail(email)).map((customer) => customer.statistics.totalSpend), { timeout: 15_000 }).toEqual([3300]);
});

test("two shoppers' conversions stay each their own", async ({ browser }, info) => {
  const emails = [emailFor('first', info.project.name), emailFor('second', info.project.name)];
  const values = [1000, 2500];
  await Promise.all(
    emails.map(async (email, index) => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${collector.url}/`);
        await push(page, ['setCustomerEmail', { email }], ['sendConversion', { cart_data: { cart_value: values[index] } }]);
        await expect.poll(async () => (await loyaltyByEmail(email)).map((customer) => customer.statistics.totalSpend), { timeout: 15_000 }).toEqual([values[index]]);
      } finally {
        await context.close();
      }
    }),
  );
});
