/**
 * The dashboard's webhooks section in real browsers, over a real collector, SQLite file and
 * webhook receivers on loopback: a receiver that answers 500 until the delivery's horizon makes it
 * dead, the dashboard shows it (the overview's dead-letter card too), its Retry button puts it back
 * in the outbox from the page itself and the row follows it to "delivered" once the receiver
 * answers 200. A site login sees its own site's deliveries only; data from beacons stays text; the
 * section reads at 1280×800 and at 375 px (screenshots attached to the test output).
 *
 * The horizon (24 h) is no field of the sites file (CONTRACTS.md refuses unknown fields), so the
 * test moves the automation's clock instead of waiting: `automation.tick(now)` as in
 * test/conformance/abandonment.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test, type Page } from '@playwright/test';
import { startCollector, type RunningCollector } from '../src/collector/collector';
import type { SiteConfig as Site } from '../src/collector/sites';
import { startWebhookReceiver, type WebhookReceiver } from '../test/support/webhook-receiver';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Lower-cased and without spaces it is still an email to the collector, and markup to a careless page. */
const HOSTILE_EMAIL = '<img/src=x/onerror=window.__xss=1>@shop.example';
const HOSTILE_ERROR = '<img src=x onerror="window.__xss=2">';

test.use({ locale: 'en-US' });

let dir: string;
let collector: RunningCollector;
let shopReceiver: WebhookReceiver;
let otherReceiver: WebhookReceiver;
let shop: Site;
let other: Site;
/** The automation's clock: only moves forward. */
let clock = 0;

test.beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dashboard-webhooks-e2e-'));
  shopReceiver = await startWebhookReceiver();
  otherReceiver = await startWebhookReceiver();
  shop = {
    id: 'shop',
    origins: ['https://shop.example'],
    key: 'shop-key',
    secret: 'shop-secret',
    token: 'shop-dashboard-token-0123456789',
    timezone: 'Europe/Paris',
    currency: 'EUR',
    webhooks: [{ url: shopReceiver.url, secret: 'whsec-shop' }],
  };
  other = {
    id: 'other',
    origins: ['https://other.example'],
    key: 'other-key',
    secret: 'other-secret',
    token: 'other-dashboard-token-012345678',
    webhooks: [{ url: otherReceiver.url, secret: 'whsec-other' }],
  };
  clock = 0;
  // No timer: the test ticks the automation itself, at the times it chooses.
  collector = await startCollector({
    port: 0,
    host: '127.0.0.1',
    db: join(dir, 'collector.db'),
    sites: [shop, other],
    automation: { intervalMs: 0, requestTimeoutMs: 2000 },
  });
});
test.afterEach(async () => {
  await collector?.close();
  await shopReceiver?.close();
  await otherReceiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One round of the automation at `at`, or at the clock's time when that is later. */
const tick = (at: number) => collector.automation.tick((clock = Math.max(clock, at)));

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
/** A shopper who fills a cart and gives an email, then leaves. */
function abandonedCart(tag: string, site: Site, email: string, price: number): object[] {
  const event = (type: string, data: object, order: string | null) => ({
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
  return [
    event('cart_item', { product_id: 'SKU-1', name: 'Lamp', price, item_qty: 1 }, `${tag}-order`),
    event('cart_data', { cart_value: price, cart_item_count: 1 }, `${tag}-order`),
    event('customer_email', { email, source: 'form' }, `${tag}-order`),
  ];
}

async function logIn(page: Page, token: string): Promise<void> {
  await page.goto(`${collector.url}/inspector`);
  await expect(page).toHaveURL(/\/inspector\/login$/);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await expect(page).toHaveURL(/\/inspector$/);
}

/** Makes the shop's cart_abandoned delivery dead: two 500s, the second past the 24 h horizon's last retry. */
async function deadDelivery(): Promise<void> {
  await post(shop, abandonedCart('ada', shop, HOSTILE_EMAIL, 4999));
  await post(other, abandonedCart('olga', other, 'olga@other.example', 7777));
  shopReceiver.script({ status: 500 }, { status: 500 });
  const start = Date.now() + 31 * MINUTE;
  await tick(start);
  await tick(start + 24 * HOUR - 10_000); // the next wait would end beyond the horizon
  expect(shopReceiver.received.map((hook) => hook.answered)).toEqual([500, 500]);
  expect(otherReceiver.acknowledged()).toHaveLength(1);
}

test('a dead webhook is shown with its reason and delivered after Retry; the page stays text and fits a phone', async ({ page }, testInfo) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() == 'error') problems.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await deadDelivery();
  // A receiver's words could reach last_error; the page must show them as text, like an email.
  const db = new Database(join(dir, 'collector.db'));
  db.prepare("UPDATE webhook_deliveries SET last_error = last_error || ' ' || ? WHERE site = 'shop' AND state = 'dead'").run(HOSTILE_ERROR);
  db.close();

  await page.setViewportSize({ width: 1280, height: 800 });
  await logIn(page, shop.token!);
  await expect(page.locator('#total-dead')).toHaveText('1');
  await expect(page.locator('#dead-card')).toHaveCSS('background-color', 'rgb(253, 232, 230)');
  // The cart the webhook was about is abandoned on the dashboard too: the detector's decision, stored.
  await expect(page.locator('#cart-list tbody tr', { hasText: 'ada-order' }).locator('.state')).toHaveText('abandoned');

  const row = page.locator('#webhooks tbody tr', { hasText: 'cart abandoned' });
  await expect(row).toHaveCount(1);
  await expect(row.locator('.email')).toHaveText(HOSTILE_EMAIL.toLowerCase());
  await expect(row.locator('.state')).toHaveText('dead');
  await expect(row.locator('.attempts')).toHaveText('2 attempts');
  await expect(row.locator('.answer')).toHaveText(`HTTP 500 · HTTP 500; gave up after 2 attempts ${HOSTILE_ERROR}`);
  await expect(row.locator('.when')).toContainText(/^dead since \w{3} \d+, \d{4}/);
  await expect(row.locator('.receiver')).toHaveText(shopReceiver.url);
  await expect(page.locator('#webhooks')).not.toContainText('olga@other.example');

  // The filter: the dead one under "dead", nothing under "delivered" for this site.
  await page.selectOption('#delivery-state', 'delivered');
  await expect(page.locator('#webhooks tbody tr')).toHaveText(['no delivered webhooks']);
  await page.selectOption('#delivery-state', 'dead');
  await expect(page.locator('#webhooks tbody tr.delivery-dead')).toHaveCount(1);
  await testInfo.attach('webhooks-dead-1280x800', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });

  // Phone width: the row is a block, its Retry button in reach, nothing wider than the screen.
  await page.setViewportSize({ width: 375, height: 812 });
  await row.scrollIntoViewIfNeeded();
  await expect(row.getByRole('button', { name: /^Retry the cart abandoned webhook/ })).toBeInViewport();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await testInfo.attach('webhooks-dead-375', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });

  // Retry from the page: the collector takes it (same origin), the row turns pending at once...
  const retried = page.waitForResponse((response) => response.url().endsWith('/retry') && response.request().method() == 'POST');
  await row.getByRole('button', { name: /^Retry/ }).click();
  expect((await retried).status()).toBe(200);
  await expect(row.locator('.state')).toHaveText('pending');
  await expect(row.getByRole('button')).toHaveCount(0);
  await expect(page.locator('#total-dead')).toHaveText('0');
  // ...and, once the automation's next round reached a receiver that answers 200, delivered.
  await tick(Date.now());
  expect(shopReceiver.received.map((hook) => hook.answered)).toEqual([500, 500, 200]);
  await expect(row.locator('.state')).toHaveText('delivered', { timeout: 10_000 });
  await expect(row.locator('.attempts')).toHaveText('3 attempts');
  await expect(row.locator('.answer')).toHaveText('HTTP 200');
  await expect(row.locator('.when')).toContainText(/^delivered \w{3} \d+, \d{4}/);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

  // A page of another origin cannot retry for the merchant (the browser's cookie, a foreign Origin).
  const [dead] = (await (await page.request.get(`${collector.url}/webhooks/deliveries?state=delivered`)).json()).deliveries;
  const cross = await page.request.post(`${collector.url}/webhooks/deliveries/${dead.id}/retry`, { headers: { origin: 'https://evil.example' } });
  expect(cross.status()).toBe(403);

  expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
  expect(problems).toEqual([]);
});

test("a site login sees and retries its own site's deliveries only", async ({ page }) => {
  await deadDelivery();
  await logIn(page, other.token!);
  const row = page.locator('#webhooks tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row.locator('.email')).toHaveText('olga@other.example');
  await expect(row.locator('.state')).toHaveText('delivered');
  await expect(row.getByRole('button')).toHaveCount(0);
  await expect(page.locator('#total-dead')).toHaveText('0');
  await expect(page.locator('body')).not.toContainText('shop.example');

  // Crafted requests with this login's cookie: the shop's delivery does not exist for it.
  const shopDelivery = shopReceiver.received[0].body.id;
  const answers: [number, string][] = [];
  for (const [method, path] of [
    ['GET', '/webhooks/deliveries?site=shop'],
    ['GET', `/webhooks/deliveries/${shopDelivery}`],
    ['POST', `/webhooks/deliveries/${shopDelivery}/retry`],
  ]) {
    const response = method == 'GET' ? await page.request.get(collector.url + path) : await page.request.post(collector.url + path, { headers: { origin: collector.url } });
    answers.push([response.status(), (await response.json()).error]);
  }
  expect(answers).toEqual([
    [403, 'this login sees site "other" only'],
    [404, 'no such delivery'],
    [404, 'no such delivery'],
  ]);
  const own = await (await page.request.get(`${collector.url}/webhooks/deliveries`)).json();
  expect(own.deliveries.map((delivery: { site: string }) => delivery.site)).toEqual(['other']);
});
