import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationHeader, createRejoinerClient } from '../../src/node';
import type { WireEvent } from '../../src/protocol/types';
import { batchBody, makeEvent, OTHER, postBeacon, SHOP, signedRequest, startTestCollector, type TestCollector } from '../support/collector';

let collector: TestCollector;
const sent: WireEvent[] = [];
beforeAll(async () => {
  collector = await startTestCollector();
  // 60 batches of 50 events, sent one after the other: arrival order is known.
  for (let batch = 0; batch < 60; batch++) {
    const events = Array.from({ length: 50 }, () => makeEvent({ visitor: `v-${batch % 7}`, url: `https://shop.example/${'p'.repeat(200)}` }));
    sent.push(...events);
    expect((await postBeacon(collector.url, batchBody(events))).status).toBe(200);
  }
  await postBeacon(collector.url, batchBody([makeEvent()], 'other'), { site: 'other', origin: 'https://other.example' });
});
afterAll(() => collector.dispose());

const client = () => createRejoinerClient({ baseUrl: collector.url, siteId: SHOP.id, key: SHOP.key, secret: SHOP.secret });

async function collect(events: AsyncIterable<WireEvent>): Promise<WireEvent[]> {
  const out: WireEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('GET /api/v1/{site}/events/', () => {
  it('streams every event of the site as NDJSON, oldest first by arrival', async () => {
    const response = await signedRequest(collector.url, 'GET', '/api/v1/shop/events/');
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    const lines = (await response.text()).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line))).toEqual(sent);
  });

  it('pages with ?after and ?limit, giving the next cursor in X-Next-Cursor', async () => {
    const seen: WireEvent[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const result = await client().exportEvents({ after: cursor, limit: 700 });
      const events = await collect(result.events);
      if (!events.length) {
        expect(result.nextCursor).toBe(cursor);
        break;
      }
      expect(events.length).toBeLessThanOrEqual(700);
      seen.push(...events);
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(sent);
  });

  it('keeps sites apart', async () => {
    const other = createRejoinerClient({ baseUrl: collector.url, siteId: OTHER.id, key: OTHER.key, secret: OTHER.secret });
    const events = await collect((await other.exportEvents()).events);
    expect(events).toHaveLength(1);
    expect(sent.some((event) => event.id == events[0].id)).toBe(false);
  });

  it('returns only what arrived after the cursor', async () => {
    const { nextCursor, events } = await client().exportEvents();
    await collect(events);
    const fresh = makeEvent();
    await postBeacon(collector.url, batchBody([fresh]));
    const after = await client().exportEvents({ after: nextCursor });
    expect(await collect(after.events)).toEqual([fresh]);
    expect(after.nextCursor).not.toBe(nextCursor);
  });

  // Cursors are opaque (each engine has its own form); none of these is one.
  it.each(['abc', '-1', '', '1.2.3', '0x10', '1e3'])('refuses ?after=%s with 400', async (after) => {
    const response = await signedRequest(collector.url, 'GET', `/api/v1/shop/events/?after=${after}`);
    expect(response.status).toBe(400);
  });

  it.each(['0', '-3', 'x', '99999999'])('refuses ?limit=%s with 400', async (limit) => {
    const response = await signedRequest(collector.url, 'GET', `/api/v1/shop/events/?limit=${limit}`);
    expect(response.status).toBe(400);
  });

  it('survives a client that disconnects mid-stream, and keeps accepting beacons meanwhile', async () => {
    const controller = new AbortController();
    const response = await fetch(`${collector.url}/api/v1/shop/events/`, {
      headers: { authorization: authorizationHeader(SHOP.key, SHOP.secret, 'GET', '/api/v1/shop/events/', '') },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    // While the export is open, writes still go through (it reads on its own connection).
    expect((await postBeacon(collector.url, batchBody([makeEvent()]))).status).toBe(200);
    controller.abort();
    await reader.read().catch(() => undefined);
    expect((await signedRequest(collector.url, 'GET', '/api/v1/shop/events/?limit=1')).status).toBe(200);
  });
});
