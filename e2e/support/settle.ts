/**
 * Waiting for the library by polling for a condition, never for a fixed time: `settle` (everything
 * the page queued so far has arrived), `holdsFor` and `expectNothingSent` (a page that must stay
 * silent).
 */
import { expect, type Page } from '@playwright/test';
import type { WireEvent } from '../../src/protocol/types';
import { delivered, received, SETTLE_MARKER } from './beacons';

let markers = 0;

/**
 * Pushes a marker event and polls until it has arrived. The library sends events in the order
 * they were queued (commands held for the extension module included), so by then everything the
 * page queued before it has arrived too. Returns every delivered event but the markers.
 */
export async function settle(page: Page, site: string, timeoutMs = 15_000): Promise<WireEvent[]> {
  const id = `${SETTLE_MARKER}${markers++}`;
  await page.evaluate((productId) => {
    (window as unknown as { _rejoiner: unknown[] })._rejoiner.push(['trackProductView', { product_id: productId }]);
  }, id);
  const arrived = async () =>
    (await received(site)).some((beacon) =>
      beacon.status == 200 && beacon.body.events.some((event) => (event.data as { product_id?: string }).product_id == id),
    );
  await expect.poll(arrived, { timeout: timeoutMs, message: 'the settle marker never arrived' }).toBe(true);
  return delivered(site);
}

/**
 * Checks a condition that must keep holding (nothing sent, nothing stored) every 100 ms for `ms`,
 * and fails at the first check that throws, instead of sleeping and looking once at the end.
 */
export async function holdsFor(check: () => unknown, ms: number): Promise<void> {
  for (const until = Date.now() + ms; ; ) {
    await check();
    if (Date.now() >= until) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A page that must send nothing: the sender batches for a second and retries later, so the page
 * is watched for longer than that (`ms`), and the check fails at the first beacon the page
 * requests or the server receives.
 */
export async function expectNothingSent(page: Page, site: string, ms = 2500): Promise<void> {
  const requested: string[] = [];
  page.on('request', (request) => {
    if (/\/v4\//.test(request.url())) requested.push(request.url());
  });
  await holdsFor(async () => {
    expect(requested, 'a beacon requested by the page').toEqual([]);
    expect(await received(site), 'a beacon received by the server').toEqual([]);
  }, ms);
}
