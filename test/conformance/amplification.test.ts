/**
 * A few large, unauthenticated beacons aimed at one order, one session and one customer must not
 * freeze the collector: each event costs what it brings, not what is already stored. Before the
 * record layout kept lines, metadata keys and memberships as rows of their own, five ~630 KB
 * beacons into one order held the event loop for 4.6, 16, 28, 43 and 86 s. Asserted here: every
 * beacon is answered, the limits hold, and /healthz keeps answering throughout (its longest
 * silence is far below one of those beacons; the per-beacon figures are in the collector
 * benchmark, not in a timed test).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ORDER_ITEMS, MAX_STRING_CHARS } from '../../src/collector/ingest/event-limits';
import { batchBody, makeEvent, postBeacon, readInspectorSnapshot, signedRequest, startTestCollector, type TestCollector } from '../support/collector';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(() => collector.dispose());

const text = (char: string, length: number): string => char.repeat(length);

/** A cart line of about 10 KB: every string at or near its limit. */
const bigLine = (productId: string, seq: number, nameLength = MAX_STRING_CHARS + 500) =>
  makeEvent({
    session: 'amp-session',
    visitor: 'amp-visitor',
    order: 'amp-order',
    type: 'cart_item',
    seq,
    data: {
      product_id: productId,
      name: text('n', nameLength),
      description: text('d', MAX_STRING_CHARS),
      product_url: `https://shop.example/${text('p', 3000)}`,
      image_url: `https://shop.example/${text('i', 3000)}`,
      metadata: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`m${i}`, text('v', 300)])),
    },
  });

/** Polls /healthz until stopped; resolves the longest time between two answers. */
function watchHealth(): { stop(): Promise<number> } {
  let running = true;
  let longest = 0;
  const loop = (async () => {
    let last = performance.now();
    while (running) {
      const response = await fetch(`${collector.url}/healthz`);
      expect(response.status).toBe(200);
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return longest;
    },
  };
}

describe('large beacons into one order, session and customer', () => {
  it('answers every beacon, keeps the limits, and leaves the server responsive', { timeout: 120_000 }, async () => {
    const health = watchHealth();
    let seq = 1;
    // A product name of ~1 MB is cut to 2,000 characters.
    const giant = await postBeacon(collector.url, batchBody([bigLine('p0', seq++, 999_628)]));
    expect(await giant.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    // 500 lines of ~10 KB: seven beacons of 80 lines each (~900 KB), the lines past 500 refused.
    const refusals: string[] = [];
    for (let beacon = 0; beacon < 7; beacon++) {
      const events = Array.from({ length: 80 }, (_, i) => bigLine(`p${beacon * 80 + i}`, seq++));
      const response = await postBeacon(collector.url, batchBody(events));
      expect(response.status).toBe(200);
      const reply = await response.json();
      refusals.push(...reply.rejected.map((entry: { reason: string }) => entry.reason));
    }
    expect(refusals).toEqual(Array(7 * 80 - MAX_ORDER_ITEMS).fill(`order: at most ${MAX_ORDER_ITEMS} items`));

    // Then the hostile part: ~630 KB beacons that change lines of the full order, add session
    // metadata and subscribe the same customer to lists, over and over.
    for (let beacon = 0; beacon < 5; beacon++) {
      const events = [
        ...Array.from({ length: 55 }, (_, i) => bigLine(`p${(beacon * 55 + i) % MAX_ORDER_ITEMS}`, seq++)),
        makeEvent({ session: 'amp-session', visitor: 'amp-visitor', type: 'session_metadata', seq: seq++, data: { metadata: { [`k${beacon}`]: text('s', 2000) } } }),
        ...Array.from({ length: 20 }, (_, i) =>
          makeEvent({ session: 'amp-session', visitor: 'amp-visitor', type: 'list_subscription', seq: seq++, data: { email: 'amp@shop.example', list_id: `list-${beacon}-${i}` } }),
        ),
      ];
      const body = batchBody(events);
      expect(body.length).toBeGreaterThan(600_000);
      const response = await postBeacon(collector.url, body);
      expect(response.status).toBe(200);
      expect((await response.json()).rejected).toEqual([]);
    }
    const longestSilenceMs = await health.stop();
    // Seconds per beacon before the fix; a beacon now takes a small part of one.
    expect(longestSilenceMs).toBeLessThan(3000);

    const order = (await readInspectorSnapshot(collector.url)).orders.find((entry) => entry.id == 'amp-order')!;
    expect(order.item_count).toBe(MAX_ORDER_ITEMS);
    // Listings carry a few lines, each cut to what a list shows.
    expect(JSON.stringify(order).length).toBeLessThan(40_000);

    const customer = await signedRequest(collector.url, 'GET', '/api/v1/shop/customers/amp%40shop.example/');
    expect(customer.status).toBe(200);
  });
});
