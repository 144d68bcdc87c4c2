/**
 * 10,000 random commands on one page, in real browsers: most of them hostile (wrong types,
 * throwing getters, Proxies, revoked Proxies, cycles, frozen objects, huge strings, Symbol keys
 * and names, nested arrays, functions, unknown names; see e2e/fixtures/fuzz/commands.js), the
 * rest valid commands that each carry a marker. Some go into the queue before the library loads,
 * the rest after, one to three per `push` call. The page must see no error, `push` must never
 * throw, and every valid command must be stored exactly once: one event of its type under one
 * event id among the beacons the server accepted.
 *
 * The PRNG is seeded: FUZZ_SEED=<n> reruns one case; every run prints its seed.
 */
import { expect, test } from '@playwright/test';
import type { WireEvent } from '../src/protocol/types';
import { received, siteFor } from './support/beacons';
import { watchErrors } from './support/page';

const SEED = Number(process.env.FUZZ_SEED) || 20_260_601;
const TOTAL = 10_000;
/** Pushed into the stub array, before the library has loaded. */
const EARLY = 300;
const CHUNK = 500;

interface FuzzWindow {
  _rejoinerDispatch?: unknown;
  _rejoiner: { push(...commands: unknown[]): unknown };
  pageErrors: string[];
  fuzz: {
    pushed: number;
    threw: number;
    valid: [type: string, marker: string][];
    kinds: Record<string, number>;
    push(count: number): { pushed: number; threw: number; valid: number };
  };
}

/** Where each valid command's marker lands in its event (the fixture's VALID list). */
function markerOf(event: WireEvent): string | undefined {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const marker =
    event.type == 'cart_data'
      ? data.order_number
      : event.type == 'customer_data'
        ? data.first_name
        : event.type == 'session_metadata'
          ? (data.metadata as Record<string, unknown> | undefined)?.marker
          : event.type == 'list_subscription'
            ? data.list_id
            : data.product_id;
  return typeof marker == 'string' && marker.startsWith(`fz${SEED}-`) ? marker : undefined;
}

/** Marker → event ids (and types) among the events of beacons answered 200. */
async function storedMarkers(site: string): Promise<Map<string, { ids: Set<string>; types: Set<string> }>> {
  const markers = new Map<string, { ids: Set<string>; types: Set<string> }>();
  for (const beacon of await received(site)) {
    if (beacon.status != 200 || !Array.isArray(beacon.body?.events)) continue;
    for (const event of beacon.body.events) {
      const marker = markerOf(event);
      if (!marker) continue;
      const entry = markers.get(marker) ?? { ids: new Set(), types: new Set() };
      entry.ids.add(event.id);
      entry.types.add(event.type);
      markers.set(marker, entry);
    }
  }
  return markers;
}

test('10,000 random commands: no page error, push never throws, every valid event stored exactly once', async ({ page }, info) => {
  test.setTimeout(180_000);
  console.log(`FUZZ seed=${SEED} (rerun with FUZZ_SEED=${SEED})`);
  const site = siteFor(info);
  const errors = watchErrors(page);

  await page.goto(`/e2e/fixtures/fuzz/page.html?site=${site}&seed=${SEED}&early=${EARLY}`);
  // The queue before the library loaded holds hostile commands too: it must boot all the same.
  await page.waitForFunction(() => !!(window as unknown as FuzzWindow)._rejoinerDispatch, undefined, { timeout: 20_000 });
  for (let left = TOTAL - EARLY; left > 0; left -= CHUNK)
    await page.evaluate((count) => (window as unknown as FuzzWindow).fuzz.push(count), Math.min(CHUNK, left));

  // Commands run in push order: once this one is stored, every command before it has run (and
  // every valid command a hostile payload pushed while it was read has been pushed). Batches go
  // out in order too, but a retried one may come later: then poll until all are there.
  const last = `fz${SEED}-last`;
  const lastPush = await page.evaluate((c) => {
    try {
      return (window as unknown as FuzzWindow)._rejoiner.push(c);
    } catch (error) {
      return String(error);
    }
  }, ['trackProductView', { product_id: last }]);
  const readFuzz = () =>
    page.evaluate(() => {
      const { pushed, threw, valid, kinds } = (window as unknown as FuzzWindow).fuzz;
      return { pushed, threw, valid, kinds, pageErrors: (window as unknown as FuzzWindow).pageErrors };
    });
  let stored = await storedMarkers(site);
  // Read after `stored`: once the last command is among them, the page's list is complete.
  let fuzz = await readFuzz();
  const expectedNow = () => [...fuzz.valid, ['product_view', last] as [string, string]];
  for (const until = Date.now() + 60_000; Date.now() < until; ) {
    if (stored.has(last) && expectedNow().every(([, marker]) => stored.has(marker))) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
    stored = await storedMarkers(site);
    fuzz = await readFuzz();
  }
  const expected = expectedNow();

  const missing = expected.filter(([, marker]) => !stored.has(marker)).map(([, marker]) => marker);
  const twice = expected.filter(([, marker]) => (stored.get(marker)?.ids.size ?? 0) > 1).map(([, marker]) => marker);
  const wrongType = expected.filter(([type, marker]) => stored.has(marker) && ![...stored.get(marker)!.types].every((t) => t == type));
  const unknownMarkers = [...stored.keys()].filter((marker) => !expected.some(([, m]) => m == marker));
  console.log(
    `FUZZ ${info.project.name} seed=${SEED} commands=${fuzz.pushed + 1} valid=${expected.length} ` +
      `stored=${expected.length - missing.length} stored_twice=${twice.length} push_threw=${fuzz.threw} ` +
      `page_errors=${errors.length + fuzz.pageErrors.length}`,
  );
  console.log(`FUZZ kinds ${JSON.stringify(fuzz.kinds)}`);

  expect(lastPush, 'push of the last command').toBe(0);
  expect(fuzz.pushed).toBe(TOTAL);
  expect(fuzz.threw, 'push threw').toBe(0);
  expect([...errors, ...fuzz.pageErrors], 'page errors').toEqual([]);
  expect(missing, 'valid commands never stored').toEqual([]);
  expect(twice, 'valid commands stored under two event ids').toEqual([]);
  expect(wrongType, 'stored as another event type').toEqual([]);
  expect(unknownMarkers).toEqual([]);
});
