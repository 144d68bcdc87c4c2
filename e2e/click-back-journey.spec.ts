/**
 * Click-back attribution from end to end, as a merchant and a shopper meet it (README
 * "Abandonment, webhooks and click-back attribution"): the demo storefront (public/) served by a
 * real collector (real HTTP, a real SQLite file, its own background timer), a shopper who gives an
 * email, fills a cart and leaves; the cart_abandoned webhook at a real HTTP receiver, its
 * signature checked with openssl rather than this package's code; the link opened on another
 * device (a new browser context: no cookies, no storage); the token reported once; the
 * conversion reported as a recovery through the click, and shown so by the dashboard's JSON and
 * the REST API. And a page kept open across the abandonment buffer, where the shopper comes back
 * and converts without a second abandonment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { freePort } from '../scripts/lib/free-port.mjs';
import { startCollector, type RunningCollector } from '../src/collector/collector';
import type { SiteConfig as Site } from '../src/collector/sites';
import { createRejoinerClient } from '../src/node';
import { authorizationHeader } from '../src/node/sign';
import type { WireEvent } from '../src/protocol/types';
import { signatureProblem } from '../test/support/openssl-signature';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../test/support/webhook-receiver';
import { watchErrors } from './support/page';

const WEBHOOK_SECRET = 'whsec-click-back-journey';
const DASHBOARD_TOKEN = 'demo-journey-dashboard-token-0001';
/** 6 s: far longer than any pause of the scripted shopper between two clicks, short enough to wait for. */
const BUFFER_MINUTES = 0.1;
const BUFFER_MS = BUFFER_MINUTES * 60_000;

let collector: RunningCollector;
let receiver: WebhookReceiver;
let site: Site;
let dir: string;

test.beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'click-back-e2e-'));
  receiver = await startWebhookReceiver();
  // The storefront's pages name the site "demo" and post to their own origin: the site must allow
  // the collector's own address, so the port is chosen before it starts.
  const port = await freePort();
  site = {
    id: 'demo',
    origins: [`http://127.0.0.1:${port}`],
    key: 'demo-journey-key',
    secret: 'demo-journey-secret',
    token: DASHBOARD_TOKEN,
    abandonment_minutes: BUFFER_MINUTES,
    webhooks: [{ url: receiver.url, secret: WEBHOOK_SECRET }],
  };
  collector = await startCollector({
    port,
    host: '127.0.0.1',
    db: join(dir, 'collector.db'),
    sites: [site],
    publicDir: 'public',
    distDir: 'dist',
    // The collector's own timer, as in production, only more often than every 5 s.
    automation: { intervalMs: 250 },
  });
});

test.afterEach(async () => {
  await collector?.close();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A signed GET of the merchant's REST API (`/api/v1/demo/...`). */
async function restGet(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const full = `/api/v1/${site.id}/${path}`;
  const response = await fetch(collector.url + full, { headers: { authorization: authorizationHeader(site.key, site.secret, 'GET', full, '') } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Every stored event of the site, through the merchant's signed export. */
async function storedEvents(): Promise<WireEvent[]> {
  const client = createRejoinerClient({ baseUrl: collector.url, siteId: site.id, key: site.key, secret: site.secret });
  const all: WireEvent[] = [];
  for await (const event of (await client.exportEvents()).events) all.push(event);
  return all;
}

/** A delivery as the dashboard's JSON lists it; its `payload` is read by the documented field names. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Delivery = Record<string, any>;

/** The dashboard's webhook deliveries (JSON), read with the site's login cookie. */
async function dashboardDeliveries(): Promise<Delivery[]> {
  const login = await fetch(`${collector.url}/inspector/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${DASHBOARD_TOKEN}`,
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0];
  const response = await fetch(`${collector.url}/webhooks/deliveries?limit=100`, { headers: { cookie } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { deliveries: Delivery[] }).deliveries;
}

const hooksOfType = (type: string): ReceivedWebhook[] => receiver.received.filter((hook) => hook.body.type == type);

/** Waits for the first webhook of `type` about `email`, and checks its signature with openssl. */
async function webhookFor(type: string, email: string): Promise<ReceivedWebhook> {
  const find = () => hooksOfType(type).find((hook) => hook.body.data.customer?.email == email);
  await expect.poll(() => !!find(), { timeout: 30_000, message: `no ${type} webhook about ${email}` }).toBe(true);
  const hook = find()!;
  expect(signatureProblem(WEBHOOK_SECRET, hook.rawBody, hook.headers['x-rejoiner-signature'])).toBeNull();
  // The same check fails for a body changed by one byte or another secret: it is a real check.
  expect(signatureProblem(WEBHOOK_SECRET, hook.rawBody.replace('"site":"demo"', '"site":"demx"'), hook.headers['x-rejoiner-signature'])).toMatch(/is not openssl's/);
  expect(signatureProblem('another-secret', hook.rawBody, hook.headers['x-rejoiner-signature'])).toMatch(/is not openssl's/);
  expect(hook.headers['x-rejoiner-delivery']).toBe(hook.body.id);
  expect(hook.headers['x-rejoiner-event']).toBe(type);
  return hook;
}

/** Waits until the collector has decided a session again after its last event (any state but active). */
async function decided(session: string): Promise<string> {
  let lifecycle = 'active';
  await expect
    .poll(async () => (lifecycle = (await restGet(`sessions/${session}/`)).body.lifecycle as string), { timeout: 30_000 })
    .not.toBe('active');
  return lifecycle;
}

/** The shopper's path to a filled cart and a typed email, in the storefront as anyone would click it. */
async function fillCartAndEmail(page: Page, email: string): Promise<void> {
  await page.goto(`${collector.url}/`);
  await page.getByRole('link', { name: 'Exclusive TV 1002' }).click();
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('link', { name: 'Go to cart →' }).click();
  await page.getByRole('link', { name: 'Checkout →' }).click();
  await page.getByLabel('Email address').fill(email);
  // Leaving the field is what a shopper does next; the form scanner reads the email then.
  await page.getByLabel('Email address').press('Tab');
}

test('a shopper abandons a cart, opens the webhook link on another device and converts: one cart_abandoned, a recovery through the click', async ({ browser }, info) => {
  test.setTimeout(120_000);
  const email = `journey-${info.project.name}-${Date.now().toString(36)}@example.com`;

  // Device 1: a cart, an email, and the shopper leaves.
  const laptop = await browser.newContext();
  const laptopPage = await laptop.newPage();
  const laptopErrors = watchErrors(laptopPage);
  await fillCartAndEmail(laptopPage, email);
  await expect.poll(async () => (await storedEvents()).some((event) => (event.data as { email?: string }).email == email), { timeout: 15_000 }).toBe(true);
  expect(laptopErrors).toEqual([]);
  await laptop.close();

  const abandoned = await webhookFor('cart_abandoned', email);
  const { data } = abandoned.body;
  expect(data.cart).toMatchObject({ status: 'open', cart_value: 29999, items: [{ product_id: 'TV-1002', name: 'Exclusive TV 1002', price: 29999, item_qty: 1 }] });
  const link = new URL(data.return_url);
  expect(data.cart.return_url).toBe(data.return_url);
  expect(link.origin + link.pathname).toBe(`${collector.url}/cart.html`);
  const token = link.searchParams.get('_rjt')!;
  expect(token).toBeTruthy();
  expect(Buffer.from(token.split('.')[0], 'base64url').toString()).not.toContain(email);

  // Device 2: nothing of device 1 (cookies, storage), only the link from the email.
  const phone = await browser.newContext();
  expect(await phone.cookies()).toEqual([]);
  const phonePage = await phone.newPage();
  const phoneErrors = watchErrors(phonePage);
  await phonePage.goto(data.return_url);
  await expect(phonePage.getByRole('heading', { name: 'Your cart' })).toBeVisible();

  // The click links this new visitor to the shopper before it types anything.
  const clickBackEvent = async () => (await storedEvents()).find((event) => event.type == ('click_back' as WireEvent['type']));
  await expect.poll(async () => !!(await clickBackEvent()), { timeout: 15_000, message: 'the click_back never arrived' }).toBe(true);
  const click = (await clickBackEvent())!;
  expect(click.url).not.toContain('_rjt');
  const phoneSession = await restGet(`sessions/${click.session}/`);
  expect(phoneSession.body).toMatchObject({ email, visitor: click.visitor });
  expect(click.session).not.toBe(data.session.id);

  // The shopper buys on the phone, browsing from the landing page on.
  await phonePage.getByRole('link', { name: 'Products' }).first().click();
  await phonePage.getByRole('link', { name: 'Exclusive TV 1002' }).click();
  await phonePage.getByRole('button', { name: 'Add to cart' }).click();
  await phonePage.getByRole('link', { name: 'Go to cart →' }).click();
  await phonePage.getByRole('link', { name: 'Checkout →' }).click();
  await phonePage.getByLabel('Email address').fill(email);
  await phonePage.getByRole('button', { name: 'Place order' }).click();
  await expect(phonePage.getByRole('heading', { name: 'Thank you for your order!' })).toBeVisible();

  const converted = await webhookFor('order_converted', email);
  expect(converted.body.data).toMatchObject({
    recovered: true,
    click_back: true,
    order: { status: 'converted', cart_value: 29999 },
    customer: { email },
    abandonment: { session: data.session.id, kind: 'cart', deliveries: [{ id: abandoned.body.id, state: 'delivered' }] },
  });
  expect(converted.body.data.order.order_id).not.toBe(data.cart.order_id);

  // Once the phone's session is decided too (closed: its order converted), nothing more is sent.
  expect(await decided(converted.body.data.order ? click.session : '')).toBe('closed');
  expect(hooksOfType('cart_abandoned')).toHaveLength(1);
  expect(hooksOfType('browse_abandoned')).toEqual([]);
  expect(hooksOfType('order_converted')).toHaveLength(1);

  // The token was reported once, by the landing page: the four pages after it sent none (each
  // report is an event of its own id, so a second one would be stored as a second event).
  expect((await storedEvents()).filter((event) => event.type == ('click_back' as WireEvent['type'])).map((event) => event.data)).toEqual([{ token, email }]);

  // What the merchant reads back: the abandoned session recovered (REST), the deliveries (dashboard JSON).
  expect((await restGet(`sessions/${data.session.id}/`)).body).toMatchObject({ lifecycle: 'recovered', email });
  const deliveries = await dashboardDeliveries();
  expect(deliveries.map(({ type, state, attempts }) => ({ type, state, attempts }))).toEqual([
    { type: 'order_converted', state: 'delivered', attempts: 1 },
    { type: 'cart_abandoned', state: 'delivered', attempts: 1 },
  ]);
  expect(deliveries[0].payload.data).toMatchObject({ recovered: true, click_back: true });
  expect(deliveries[1]).toMatchObject({ id: abandoned.body.id, session: data.session.id, email });
  expect(phoneErrors).toEqual([]);
  await phone.close();

  // What the merchant sees in the dashboard: the abandoned cart recovered after a click, and the
  // recovered revenue counting the order bought on the phone.
  const office = await browser.newContext();
  const dashboard = await office.newPage();
  const dashboardErrors = watchErrors(dashboard);
  await dashboard.goto(`${collector.url}/inspector`);
  await dashboard.fill('#token', DASHBOARD_TOKEN);
  await dashboard.click('button[type=submit]');
  await expect(dashboard).toHaveURL(/\/inspector$/);
  await expect(dashboard.locator('#total-recovered')).toHaveText(/299\.99/);
  await expect(dashboard.locator('#total-recovered-count')).toHaveText('1 recovered order, 1 after a click on a link');
  // The list opens on abandoned carts; this one is no longer among them.
  await expect(dashboard.locator('#cart-state')).toHaveValue('abandoned');
  await expect(dashboard.locator(`tr[data-order="${data.cart.order_id}"]`)).toHaveCount(0);
  await dashboard.selectOption('#cart-state', 'recovered');
  const abandonedRow = dashboard.locator(`tr[data-order="${data.cart.order_id}"]`).first();
  await expect(abandonedRow.locator('td.email')).toHaveText(email);
  await expect(abandonedRow.locator('td.state')).toHaveText('recoveredclicked back');
  await info.attach('dashboard-after-recovery', { body: await dashboard.screenshot({ fullPage: true }), contentType: 'image/png' });
  expect(dashboardErrors).toEqual([]);
  await office.close();
});

test('a page left open longer than the buffer: one cart_abandoned, then the shopper comes back and converts on it, recovered', async ({ page }, info) => {
  test.setTimeout(120_000);
  const email = `idle-${info.project.name}-${Date.now().toString(36)}@example.com`;
  const errors = watchErrors(page);
  await fillCartAndEmail(page, email);

  // The shopper walks away from the open checkout page: the collector abandons the cart meanwhile.
  const abandoned = await webhookFor('cart_abandoned', email);
  const session = abandoned.body.data.session.id as string;
  expect(await page.getByRole('heading', { name: 'Checkout' }).isVisible()).toBe(true);
  expect((await restGet(`sessions/${session}/`)).body.lifecycle).toBe('abandoned_cart');

  // Back at the same page, without reloading it: the page's checkout sends the conversion, as a
  // one-page checkout does (the same command thank-you.html pushes).
  const idleMs = Date.now() - Date.parse(abandoned.body.data.session.last_event_at);
  expect(idleMs).toBeGreaterThan(BUFFER_MS);
  await page.evaluate(() => {
    const w = window as unknown as { _rejoiner: unknown[]; shop: { totals(): unknown; lines(): unknown } };
    w._rejoiner.push(['sendConversion', { cart_data: w.shop.totals(), cart_items: w.shop.lines() }]);
  });

  const converted = await webhookFor('order_converted', email);
  expect(converted.body.data).toMatchObject({
    recovered: true,
    // No link was opened: the shopper came back by itself.
    click_back: false,
    order: { order_id: abandoned.body.data.cart.order_id, status: 'converted', cart_value: 29999 },
    abandonment: { session, kind: 'cart', deliveries: [{ id: abandoned.body.id, state: 'delivered' }] },
  });
  // The conversion made the session active again; decided once more after the buffer, it is no new abandonment.
  expect(await decided(session)).toBe('recovered');
  expect(hooksOfType('cart_abandoned')).toHaveLength(1);
  expect(hooksOfType('order_converted')).toHaveLength(1);
  expect((await dashboardDeliveries()).map(({ type, state }) => `${type} ${state}`)).toEqual(['order_converted delivered', 'cart_abandoned delivered']);
  expect(errors).toEqual([]);
});
