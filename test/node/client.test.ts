/**
 * The options of earlier versions (`key` and `secret` at the top level, no `api`) against a real
 * collector: existing callers keep compiling and keep reaching both generations from one client,
 * REST 1.0 `lead/convert` on /api/1.0 and the customer endpoints on /api/v1, as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRejoinerClient, RejoinerApiError, type RejoinerClient } from '../../src/node';
import { batchBody, makeEvent, postBeacon, readInspectorSnapshot, SHOP, startTestCollector, type TestCollector } from '../support/collector';
import { recordingFetch, signedKey } from './recording';

let collector: TestCollector;
let client: RejoinerClient;
const { fetch: recording, requests } = recordingFetch();

beforeAll(async () => {
  collector = await startTestCollector();
  client = createRejoinerClient({ baseUrl: `${collector.url}/`, siteId: SHOP.id, key: SHOP.key, secret: SHOP.secret, fetch: recording });
});
afterAll(() => collector.dispose());

describe('createRejoinerClient with the options of earlier versions', () => {
  it('signs each request over the path and body it sends, on the bases earlier versions used', async () => {
    await client.getCustomer('someone+tag@shop.example');
    await client.createCustomer({ email: 'signed@shop.example', first_name: 'Zoë' });
    await client.convertLead({ email: 'signed@shop.example' });
    await client.ping();
    for (const request of requests) expect(signedKey({ ...request, authorization: request.headers.get('authorization') }, SHOP.secret)).toBe(SHOP.key);
    expect(requests.map((request) => request.url.href)).toEqual([
      `${collector.url}/api/v1/shop/customers/someone%2Btag%40shop.example/`,
      `${collector.url}/api/v1/shop/customers/`,
      `${collector.url}/api/1.0/site/shop/lead/convert`,
      `${collector.url}/api/v1/shop/ping/`,
    ]);
  });

  it('speaks only the generation named when `api` is given', async () => {
    const strict = createRejoinerClient({ baseUrl: collector.url, siteId: SHOP.id, key: SHOP.key, secret: SHOP.secret, api: 'v2' });
    await expect((strict as RejoinerClient).convertLead({ email: 'x@shop.example' })).rejects.toMatchObject({ name: 'RejoinerUnsupportedError' });
    expect(await strict.ping()).toEqual({ status: 'success' });
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
    expect(opted).toMatchObject({ is_opted_in: true, opt_in_info: { via: 'footer form' } });
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
    await expect(wrongSecret.convertLead({ email: 'x@shop.example' })).rejects.toMatchObject({ status: 403, path: '/api/1.0/site/shop/lead/convert' });
    await expect(wrongSecret.getCustomer('x@shop.example')).rejects.toMatchObject({ status: 403 });
  });
});
