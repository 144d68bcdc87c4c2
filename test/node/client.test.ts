/**
 * The typed REST client against a real collector: every method, signing of what is actually
 * sent, and errors carrying status and reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRejoinerClient, isValidSignature, RejoinerApiError, type RejoinerClient } from '../../src/node';
import { batchBody, makeEvent, postBeacon, readInspectorSnapshot, SHOP, startTestCollector, type TestCollector } from '../support/collector';

let collector: TestCollector;
let client: RejoinerClient;
const requests: { method: string; url: string; authorization: string; body: string }[] = [];

beforeAll(async () => {
  collector = await startTestCollector();
  // A recording wrapper around the real fetch: it checks what the client sends, not a stand-in server.
  const recordingFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    requests.push({ method: init?.method ?? 'GET', url: String(input), authorization: headers.get('authorization') ?? '', body: String(init?.body ?? '') });
    return fetch(input, init);
  };
  client = createRejoinerClient({ baseUrl: `${collector.url}/`, siteId: SHOP.id, key: SHOP.key, secret: SHOP.secret, fetch: recordingFetch });
});
afterAll(() => collector.dispose());

describe('createRejoinerClient', () => {
  it('signs each request over the path and body it sends', async () => {
    await client.getCustomer('someone+tag@shop.example');
    await client.createCustomer({ email: 'signed@shop.example', first_name: 'Zoë' });
    for (const request of requests) {
      const url = new URL(request.url);
      const [, key, signature] = /^Rejoiner (.+):(.+)$/.exec(request.authorization)!;
      expect(key).toBe(SHOP.key);
      expect(isValidSignature(SHOP.secret, request.method, url.pathname + url.search, request.body, signature)).toBe(true);
    }
    expect(requests[0].url).toBe(`${collector.url}/api/v1/shop/customers/someone%2Btag%40shop.example/`);
  });

  it('creates, reads and updates customers', async () => {
    const created = await client.createCustomer({ email: 'typed@shop.example', tags: ['a'], metadata: { source: 'test' } });
    expect(created).toMatchObject({ email: 'typed@shop.example', tags: ['a'], metadata: { source: 'test' } });
    const updated = await client.updateCustomer(created.id, { email: 'typed@shop.example', gender: 'm', language: 'de' });
    expect(updated).toMatchObject({ id: created.id, gender: 'm', language: 'de', tags: ['a'] });
    expect(await client.getCustomer('typed@shop.example')).toEqual(updated);
    expect(await client.getCustomer('missing@shop.example')).toBeNull();
  });

  it('converts a lead with an empty 200, and the order shows as converted', async () => {
    const order = 'client-order';
    await postBeacon(
      collector.url,
      batchBody([
        makeEvent({ visitor: 'v-client', type: 'customer_email', data: { email: 'buyer@shop.example', source: 'api' } }),
        makeEvent({ visitor: 'v-client', type: 'cart_item', order, data: { product_id: 'SKU-1' } }),
      ]),
    );
    await expect(client.convertLead({ email: 'buyer@shop.example', campaign_id: ['c1', 'c2'], campaign_type: 'conversion' })).resolves.toBeUndefined();
    const stored = (await readInspectorSnapshot(collector.url)).orders.find((o) => o.id == order);
    expect(stored).toMatchObject({ status: 'converted', campaign_ids: ['c1', 'c2'], campaign_type: 'conversion' });
  });

  it('runs the customer actions', async () => {
    expect(await client.customerConvert({ email: 'nothing-open@shop.example' })).toEqual({ converted: 0 });
    expect((await client.cancel('act@shop.example')).email).toBe('act@shop.example');
    expect((await client.unsubscribe('act@shop.example')).is_unsubscribed).toBe(true);
    const opted = await client.optIn('act@shop.example', { via: 'footer form' });
    expect(opted).toMatchObject({ is_opted_in: true, is_unsubscribed: true, opt_in_info: { via: 'footer form' } });
  });

  it('streams the export and resumes from its cursor', async () => {
    const first = await client.exportEvents();
    const seen: string[] = [];
    for await (const event of first.events) seen.push(event.id);
    expect(seen.length).toBeGreaterThan(0);
    const fresh = makeEvent();
    await postBeacon(collector.url, batchBody([fresh]));
    const next = await client.exportEvents({ after: first.nextCursor });
    const ids: string[] = [];
    for await (const event of next.events) ids.push(event.id);
    expect(ids).toEqual([fresh.id]);
  });

  it('throws RejoinerApiError with status and reason', async () => {
    const error = await client.createCustomer({ email: 'x@shop.example', gender: 'x' as 'm' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RejoinerApiError);
    expect(error).toMatchObject({ status: 400, body: '{"error":"gender: must be \\"m\\" or \\"f\\""}', method: 'POST' });
    const wrongSecret = createRejoinerClient({ baseUrl: collector.url, siteId: SHOP.id, key: SHOP.key, secret: 'nope' });
    await expect(wrongSecret.getCustomer('x@shop.example')).rejects.toMatchObject({ status: 403 });
  });
});
