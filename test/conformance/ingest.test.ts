import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClickToken } from '../../src/collector/domain/click-token';
import { batchBody, exportAll, makeEvent, postBeacon, SHOP, startTestCollector, type TestCollector } from '../support/collector';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(() => collector.dispose());

describe('POST /v4/{site}', () => {
  it('stores a batch, answers with counts, and exports it in protocol form', async () => {
    const events = [
      makeEvent({ visitor: 'v-ingest', session: 's-ingest' }),
      makeEvent({
        type: 'cart_item',
        visitor: 'v-ingest',
        session: 's-ingest',
        order: 'o-ingest',
        data: { product_id: 'SKU-1', name: 'TV', price: 29999, item_qty: 2 },
      }),
    ];
    const response = await postBeacon(collector.url, batchBody(events));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });

    const stored = (await exportAll(collector.url)).filter((event) => event.visitor == 'v-ingest');
    expect(stored).toEqual(events);
    expect(Object.keys(stored[0])).toEqual(['id', 'seq', 'type', 'ts', 'visitor', 'session', 'order', 'url', 'data']);
  });

  it('refuses a click_back whose token is no token of its, or names no shopper it knows, with the reason', async () => {
    // Signed by the collector, but for a session with no customer: nothing to attribute. A
    // click-back that links a shopper is tested end to end in abandonment.test.ts.
    const token = makeClickToken(SHOP.secret, 's-click', Date.now());
    const unknown = makeEvent({ type: 'click_back', visitor: 'v-click', session: 's-click', data: { token } });
    const noToken = { ...makeEvent({ visitor: 'v-click' }), id: 'no-token', type: 'click_back', data: { token: ' ' } };
    const reply = await (await postBeacon(collector.url, batchBody([unknown, noToken]))).json();
    expect(reply.accepted).toBe(0);
    expect(reply.rejected).toEqual([
      { id: unknown.id, reason: expect.stringMatching(/token: names no session/) },
      { id: 'no-token', reason: expect.stringMatching(/token/) },
    ]);
    expect((await exportAll(collector.url)).filter((event) => event.visitor == 'v-click')).toEqual([]);
  });

  it('answers beacons without Cache-Control: no-store, which would hold a keepalive budget in Chromium', async () => {
    const response = await postBeacon(collector.url, batchBody([makeEvent()]));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control') ?? '').not.toMatch(/no-store/);
    const refused = await postBeacon(collector.url, 'not json');
    expect(refused.headers.get('cache-control') ?? '').not.toMatch(/no-store/);
  });

  it('counts a re-sent batch as duplicates and stores it once', async () => {
    const events = [makeEvent({ visitor: 'v-dupe' }), makeEvent({ visitor: 'v-dupe' }), makeEvent({ visitor: 'v-dupe' })];
    const first = await (await postBeacon(collector.url, batchBody(events))).json();
    const again = await (await postBeacon(collector.url, batchBody(events))).json();
    const overlapping = await (await postBeacon(collector.url, batchBody([events[2], makeEvent({ visitor: 'v-dupe' })]))).json();
    expect(first).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    expect(again).toEqual({ accepted: 0, duplicates: 3, rejected: [] });
    expect(overlapping).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    const ids = (await exportAll(collector.url)).filter((event) => event.visitor == 'v-dupe').map((event) => event.id);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
  });

  it('counts the same id twice in one batch as a duplicate', async () => {
    const event = makeEvent();
    const reply = await (await postBeacon(collector.url, batchBody([event, event]))).json();
    expect(reply).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
  });

  it('keeps the good events of a batch and rejects the bad ones with reasons', async () => {
    const good = [makeEvent({ visitor: 'v-mixed' }), makeEvent({ visitor: 'v-mixed', type: 'cart_cleared', order: 'o-m', data: {} })];
    const bad = [
      { ...makeEvent(), id: 'bad-type', type: 'teleport' },
      { ...makeEvent(), id: 'bad-seq', seq: 'seven' },
      { ...makeEvent(), id: 'bad-ts', ts: null },
      { ...makeEvent(), id: 'bad-visitor', visitor: 42 },
      { ...makeEvent(), id: 'bad-order', order: 17 },
      { ...makeEvent(), id: 'bad-url', url: undefined },
      { ...makeEvent(), id: 'bad-item', type: 'cart_item', order: 'o-m', data: { name: 'no product id' } },
      { ...makeEvent(), id: 'bad-data', data: 'not an object' },
      { ...makeEvent(), id: 'bad-email', type: 'customer_email', data: { email: 'not-an-email' } },
      { ...makeEvent(), id: 'hostile', type: 'customer_email', data: { email: { toString: 1 } } },
      { ...makeEvent(), id: '' },
      'not an event',
    ];
    const response = await postBeacon(collector.url, batchBody([good[0], ...bad, good[1]]));
    expect(response.status).toBe(200);
    const reply = await response.json();
    expect(reply.accepted).toBe(2);
    expect(reply.duplicates).toBe(0);
    const reasons = Object.fromEntries(reply.rejected.map((r: { id: string; reason: string }) => [r.id || r.reason, r.reason]));
    expect(reasons['bad-type']).toMatch(/^type: unknown event type/);
    expect(reasons['bad-seq']).toMatch(/^seq:/);
    expect(reasons['bad-ts']).toMatch(/^ts:/);
    expect(reasons['bad-visitor']).toMatch(/^visitor:/);
    expect(reasons['bad-order']).toMatch(/^order:/);
    expect(reasons['bad-url']).toMatch(/^url:/);
    expect(reasons['bad-item']).toMatch(/^data: .*product_id/);
    expect(reasons['bad-data']).toMatch(/^data: /);
    expect(reasons['bad-email']).toMatch(/^data: .*email/);
    expect(reasons['hostile']).toMatch(/^data:/);
    expect(reply.rejected).toHaveLength(bad.length);
    expect(reply.rejected.some((r: { reason: string }) => r.reason == 'events[12]: not an object')).toBe(true);
    const stored = (await exportAll(collector.url)).filter((event) => event.visitor == 'v-mixed');
    expect(stored.map((event) => event.id)).toEqual(good.map((event) => event.id));
  });

  it('stores the normalized data, not what was sent', async () => {
    const event = makeEvent({
      visitor: 'v-norm',
      type: 'cart_data',
      order: 'o-norm',
      data: { value: '79.96', totalItems: '4', promo: 'SUMMER', custom: { a: 1 } } as never,
    });
    await postBeacon(collector.url, batchBody([event]));
    const [stored] = (await exportAll(collector.url)).filter((e) => e.visitor == 'v-norm');
    expect(stored.data).toEqual({ cart_value: 80, cart_item_count: 4, promo: 'SUMMER', metadata: { custom: '{"a":1}' } });
  });

  it('answers an empty batch with zero counts', async () => {
    const response = await postBeacon(collector.url, batchBody([]));
    expect(await response.json()).toEqual({ accepted: 0, duplicates: 0, rejected: [] });
  });

  it.each([
    ['no version', { lib: '1', site: 'shop', events: [] }, /^v:/],
    ['version 3', { v: 3, events: [] }, /^v:/],
    ['site of another URL', { v: 4, site: 'other', events: [] }, /^site:/],
    ['events not an array', { v: 4, events: {} }, /^events:/],
    ['lib not a string', { v: 4, lib: 1, events: [] }, /^lib:/],
  ])('refuses a body that is not a batch (%s) with 400', async (_name, body, reason) => {
    const response = await postBeacon(collector.url, JSON.stringify(body));
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatch(reason);
  });

  it('refuses GET on the beacon endpoint with 405', async () => {
    const response = await fetch(`${collector.url}/v4/shop`);
    expect(response.status).toBe(405);
  });
});
