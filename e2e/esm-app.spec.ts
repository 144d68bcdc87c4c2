/**
 * The demo's ESM app (public/esm-app/): the ESM build imported by a page, with `trackHistory` and
 * `bridgeDataLayer`, against the real collector. The extension commands come from the ESM build's
 * lazy chunk, and the app never loads dist/rejoiner.js.
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
  dir = mkdtempSync(join(tmpdir(), 'esm-app-e2e-'));
  collector = await startCollector({ port: 0, host: '127.0.0.1', db: join(dir, 'collector.db'), publicDir: 'public', distDir: 'dist' });
});

test.afterAll(async () => {
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function storedEvents(visitor: string): Promise<WireEvent[]> {
  const client = createRejoinerClient({ baseUrl: collector.url, siteId: 'demo', key: DEMO_KEY, secret: DEMO_SECRET });
  const { events } = await client.exportEvents();
  const all: WireEvent[] = [];
  for await (const event of events) if (event.visitor == visitor) all.push(event);
  return all;
}

test('the ESM app counts its routes and bridges its GA4 data layer', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const scripts: string[] = [];
  page.on('request', (request) => request.resourceType() == 'script' && scripts.push(new URL(request.url()).pathname));

  await page.goto(`${collector.url}/esm-app/`);
  const visitorId = () => page.evaluate(() => document.cookie.match(/(?:^|; )rj=([^.;]+)/)?.[1] ?? '');
  await expect.poll(visitorId).toBeTruthy();
  const visitor = await visitorId();
  let events: WireEvent[] = [];
  const pageViews = async () => (events = await storedEvents(visitor)).filter((e) => e.type == 'page_view').length;

  await page.getByRole('link', { name: 'Tees' }).click();
  await page.getByRole('button', { name: /Add a tee/ }).click();
  await page.getByRole('link', { name: 'Cart' }).click();
  // A shopper looks at a route before going back (a route left within 50 ms is not counted).
  await expect.poll(pageViews, { timeout: 15_000 }).toBe(3);
  await page.goBack();
  await expect.poll(pageViews, { timeout: 15_000 }).toBe(4);
  const views = events.filter((e) => e.type == 'page_view').map((e) => (e.data as { url: string }).url.replace(collector.url, ''));
  expect(views).toEqual(['/esm-app/', '/esm-app/?route=tees', '/esm-app/?route=cart', '/esm-app/?route=tees']);
  await expect.poll(async () => (events = await storedEvents(visitor)).map((e) => e.type)).toEqual(
    expect.arrayContaining(['product_view', 'order_started', 'cart_item', 'cart_data']),
  );
  expect(events.find((e) => e.type == 'cart_item')!.data).toMatchObject({ product_id: 'TEE-1', price: 1999, item_qty: 1 });
  expect(scripts).not.toContain('/dist/rejoiner.js');
  expect(scripts.some((path) => path.startsWith('/dist/chunks/'))).toBe(true);
  expect(errors).toEqual([]);
});
