/**
 * Sessions, carts/orders and customers assembled from beacons, observed through the REST API
 * (typed client) and the inspector's snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRejoinerClient, type RejoinerClient } from '../../src/node';
import type { WireEvent } from '../../src/protocol/types';
import { batchBody, makeEvent, postBeacon, readInspectorSnapshot, SHOP, signedRequest, startTestCollector, type TestCollector } from '../support/collector';

let collector: TestCollector;
let client: RejoinerClient;
beforeAll(async () => {
  collector = await startTestCollector();
  client = createRejoinerClient({ baseUrl: collector.url, siteId: SHOP.id, key: SHOP.key, secret: SHOP.secret });
});
afterAll(() => collector.dispose());

/** Posts events in one batch and expects every one accepted. */
async function send(...events: WireEvent[]): Promise<void> {
  const response = await postBeacon(collector.url, batchBody(events));
  expect(await response.json()).toEqual({ accepted: events.length, duplicates: 0, rejected: [] });
}

/** Events of one visitor with growing seq, like the library sends them. */
function visitor(name: string, order: string | null = null) {
  let seq = 0;
  return (type: WireEvent['type'], data: object, extra: Partial<WireEvent> = {}): WireEvent =>
    makeEvent({ type, data: data as never, visitor: name, session: `${name}-session`, order, seq: ++seq, ts: 1763700000000 + seq * 1000, ...extra });
}

const orderOf = async (id: string) => (await readInspectorSnapshot(collector.url)).orders.find((order) => order.id == id);

describe('customers from beacons', () => {
  it('links customer_email and merges customer_data into that customer', async () => {
    const event = visitor('v-cust');
    await send(
      event('page_view', { url: 'https://shop.example/', title: 'Home', referrer: '' }),
      event('customer_email', { email: 'Jane@Shop.Example', source: 'form' }),
      event('customer_data', { first_name: 'Jane', age: '31', gender: 'female', language: 'en-US', tags: 'vip', loyalty: 'gold' }),
    );
    await send(event('customer_data', { last_name: 'Doe', metadata: { tier: '2' } }));
    const customer = await client.getCustomer('jane@shop.example');
    expect(customer).toMatchObject({
      email: 'jane@shop.example',
      first_name: 'Jane',
      last_name: 'Doe',
      age: 31,
      gender: 'f',
      language: 'en',
      tags: ['vip'],
      metadata: { loyalty: 'gold', tier: '2' },
    });
  });

  it('keeps customer_data sent before the email and applies it once the email is known', async () => {
    const event = visitor('v-early');
    await send(event('customer_data', { first_name: 'Early', city: 'Oslo' }));
    expect(await client.getCustomer('early@shop.example')).toBeNull();
    await send(event('customer_email', { email: 'early@shop.example', source: 'api' }));
    expect(await client.getCustomer('early@shop.example')).toMatchObject({ first_name: 'Early', city: 'Oslo' });
  });

  it('keeps list subscriptions with the customer', async () => {
    const event = visitor('v-list');
    await send(event('list_subscription', { email: 'news@shop.example', list_id: 'weekly', first_name: 'Newsy' }));
    expect(await client.getCustomer('news@shop.example')).toMatchObject({ first_name: 'Newsy' });
    const view = (await readInspectorSnapshot(collector.url)).customers.find((c) => c.email == 'news@shop.example');
    expect(view?.lists).toEqual([expect.objectContaining({ list_id: 'weekly', first_name: 'Newsy' })]);
  });
});

describe('sessions from beacons', () => {
  it('counts page views and events, keeps first/last seen, email and metadata', async () => {
    const event = visitor('v-sess');
    await send(
      event('page_view', { url: 'https://shop.example/a', title: 'A', referrer: '' }, { url: 'https://shop.example/a' }),
      event('page_view', { url: 'https://shop.example/b', title: 'B', referrer: '' }, { url: 'https://shop.example/b' }),
      event('session_metadata', { metadata: { campaign: 'spring', ab: 'B' } }, { url: 'https://shop.example/b' }),
    );
    const late = event('page_view', { url: 'https://shop.example/late', title: 'L', referrer: '' }, { url: 'https://shop.example/late', ts: 1763699999000 });
    await send(
      event('customer_email', { email: 'sess@shop.example', source: 'api' }, { url: 'https://shop.example/b' }),
      event('session_metadata', { metadata: { ab: 'C' } }, { url: 'https://shop.example/b' }),
      late, // an older page view delivered late: counted, but not the last URL
    );
    const session = (await readInspectorSnapshot(collector.url)).sessions.find((s) => s.id == 'v-sess-session');
    expect(session).toMatchObject({
      visitor: 'v-sess',
      email: 'sess@shop.example',
      page_views: 3,
      events: 6,
      first_seen: 1763699999000,
      last_seen: 1763700006000,
      last_url: 'https://shop.example/b',
      metadata: { campaign: 'spring', ab: 'C' },
    });
  });
});

describe('carts from beacons', () => {
  it('upserts items by product_id, removes them, merges cart data and links the email', async () => {
    const event = visitor('v-cart', 'order-cart');
    await send(
      event('order_started', {}),
      event('cart_item', { product_id: 'SKU-1', name: 'TV', price: 29999, item_qty: 1 }),
      event('cart_item', { product_id: 'SKU-2', name: 'Cable', price: 999, item_qty: 2 }),
      event('cart_item', { product_id: 'SKU-1', name: 'TV', price: 29999, item_qty: 3 }),
      event('cart_data', { cart_value: 91995, cart_item_count: 5, promo: 'SPRING' }),
      event('cart_item_removed', { product_id: 'SKU-2' }),
      event('cart_data', { cart_value: 89997, cart_item_count: 3 }),
      event('customer_email', { email: 'cart@shop.example', source: 'form' }),
    );
    expect(await orderOf('order-cart')).toMatchObject({
      status: 'open',
      email: 'cart@shop.example',
      visitor: 'v-cart',
      cart_data: { cart_value: 89997, cart_item_count: 3, promo: 'SPRING' },
      items: [{ product_id: 'SKU-1', name: 'TV', price: 29999, item_qty: 3 }],
    });
  });

  it('skips a line event that arrives after a newer one for the same product (retries)', async () => {
    const event = visitor('v-late', 'order-late');
    const added = event('cart_item', { product_id: 'P', item_qty: 1 });
    const removed = event('cart_item_removed', { product_id: 'P' });
    const oldTotals = event('cart_data', { cart_value: 100 });
    const newTotals = event('cart_data', { cart_value: 0 });
    await send(removed, newTotals);
    await send(added, oldTotals); // the older events, delivered late
    expect(await orderOf('order-late')).toMatchObject({ items: [], cart_data: { cart_value: 0 } });
  });

  it('marks a cleared cart', async () => {
    const event = visitor('v-clear', 'order-clear');
    await send(event('cart_item', { product_id: 'P' }), event('cart_cleared', {}));
    expect((await orderOf('order-clear'))?.status).toBe('cleared');
  });

  it('converts with the conversion cart and keeps campaign type and ids', async () => {
    const event = visitor('v-conv', 'order-conv');
    await send(
      event('cart_item', { product_id: 'OLD', item_qty: 1 }),
      event('conversion', {
        cart_data: { cart_value: 79996, customer_order_number: 'ACID/12113/07/16' },
        cart_items: [{ product_id: 'SKU-1002', price: 29999, item_qty: 2 }],
        campaign_type: ['abandonment'],
        campaign_ids: ['517e97c518484d2b1a000000'],
      }),
    );
    expect(await orderOf('order-conv')).toMatchObject({
      status: 'converted',
      converted_by: 'beacon',
      cart_data: { cart_value: 79996, order_number: 'ACID/12113/07/16' },
      items: [{ product_id: 'SKU-1002', price: 29999, item_qty: 2 }],
      campaign_type: 'abandonment',
      campaign_ids: ['517e97c518484d2b1a000000'],
    });
  });
});

describe('conversions through the REST API', () => {
  it('lead/convert converts every open order of the email and nothing else', async () => {
    const first = visitor('v-lead1', 'lead-1');
    const second = visitor('v-lead2', 'lead-2');
    const cleared = visitor('v-lead3', 'lead-3');
    const stranger = visitor('v-lead4', 'lead-4');
    await send(first('cart_item', { product_id: 'A' }), first('customer_email', { email: 'lead@shop.example', source: 'api' }));
    await send(second('customer_email', { email: 'lead@shop.example', source: 'api' }), second('cart_item', { product_id: 'B' }));
    await send(cleared('customer_email', { email: 'lead@shop.example', source: 'api' }), cleared('cart_item', { product_id: 'C' }), cleared('cart_cleared', {}));
    await send(stranger('customer_email', { email: 'other@shop.example', source: 'api' }), stranger('cart_item', { product_id: 'D' }));

    await client.convertLead({ email: 'LEAD@shop.example', campaign_id: '1', campaign_type: 'abandonment', cart_data: { cart_value: 500 } });
    const orders = (await readInspectorSnapshot(collector.url)).orders;
    const byId = (id: string) => orders.find((order) => order.id == id);
    for (const id of ['lead-1', 'lead-2'])
      expect(byId(id)).toMatchObject({ status: 'converted', converted_by: 'api', campaign_type: 'abandonment', campaign_ids: ['1'], cart_data: { cart_value: 500 } });
    expect(byId('lead-3')?.status).toBe('cleared');
    expect(byId('lead-4')?.status).toBe('open');
  });

  it('customer/convert converts only the latest open order', async () => {
    const older = visitor('v-latest1', 'latest-1');
    const newer = visitor('v-latest2', 'latest-2');
    await send(older('customer_email', { email: 'latest@shop.example', source: 'api' }), older('cart_item', { product_id: 'A' }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await send(newer('customer_email', { email: 'latest@shop.example', source: 'api' }), newer('cart_item', { product_id: 'B' }));
    expect(await client.customerConvert({ email: 'latest@shop.example', cart_items: [{ product_id: 'B', item_qty: 1 }] })).toEqual({ converted: 1 });
    expect((await orderOf('latest-2'))?.status).toBe('converted');
    expect((await orderOf('latest-1'))?.status).toBe('open');
  });

  it('records a conversion with cart data for an email without open orders', async () => {
    expect(await client.customerConvert({ email: 'walkin@shop.example', cart_data: { cart_value: 1234 } })).toEqual({ converted: 0 });
    const orders = (await readInspectorSnapshot(collector.url)).orders.filter((order) => order.email == 'walkin@shop.example');
    expect(orders).toEqual([expect.objectContaining({ status: 'converted', converted_by: 'api', cart_data: { cart_value: 1234 } })]);
    expect(await client.getCustomer('walkin@shop.example')).not.toBeNull();
  });

  it.each([
    [{}, 'email: required'],
    [{ email: 'bad' }, 'email: not a valid email address'],
    [{ email: 'a@shop.example', cart_data: [] }, 'cart_data: must be an object'],
    [{ email: 'a@shop.example', cart_items: {} }, 'cart_items: must be an array'],
    [{ email: 'a@shop.example', cart_items: [{ name: 'x' }] }, 'cart_items[0].product_id: required'],
    [{ email: 'a@shop.example', campaign_type: 'welcome' }, 'campaign_type: must be "abandonment" or "conversion"'],
    [{ email: 'a@shop.example', campaign_id: { id: 1 } }, 'campaign_id: must be a string or an array of strings'],
  ])('lead/convert refuses %j with 400', async (body, reason) => {
    const error = await client.convertLead(body as never).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, body: JSON.stringify({ error: reason }) });
  });
});

describe('customer statistics from conversions', () => {
  it('counts every converted order of the customer, from beacons and the REST API, the one converted before the email included', async () => {
    const email = 'stats@shop.example';
    const shopper = { visitor: 'stats-v', session: 'stats-s' };
    // An order converted before the shopper told an email, then the email, then two more conversions.
    await postBeacon(collector.url, batchBody([
      makeEvent({ ...shopper, type: 'cart_item', order: 'stats-o1', ts: 1000, data: { product_id: 'a' } }),
      makeEvent({ ...shopper, type: 'conversion', order: 'stats-o1', ts: 2000, data: { cart_data: { cart_value: 1500 } } }),
    ]));
    await postBeacon(collector.url, batchBody([makeEvent({ ...shopper, type: 'customer_email', ts: 3000, data: { email, source: 'form' } })]));
    await postBeacon(collector.url, batchBody([
      makeEvent({ ...shopper, type: 'cart_data', order: 'stats-o2', ts: 4000, data: { cart_value: 2500 } }),
      makeEvent({ ...shopper, type: 'conversion', order: 'stats-o2', ts: 5000, data: {} }),
    ]));
    const rest = await signedRequest(collector.url, 'POST', '/api/1.0/site/shop/lead/convert', { email, cart_data: { cart_value: 4000 } });
    expect(rest.status).toBe(200);
    const view = (await readInspectorSnapshot(collector.url)).customers.find((customer) => customer.email == email) as { stats: Record<string, unknown> };
    expect(view.stats).toMatchObject({ orders: 3, spend: 8000, first_order_at: 2000 });
    expect(view.stats.last_order_at).toBeGreaterThan(5000); // the REST conversion, at the server's time
  });
});
