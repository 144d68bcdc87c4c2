/**
 * Edges where the engines once differed or a limit could be passed: keys too long for an index,
 * a metadata limit crossed through an email switch, a NUL in a path, a cursor out of range, a
 * busy database, and two nodes writing one order at once. Each test states what the contract
 * asks for, on every engine.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { batchBody, makeEvent, postBeacon, readInspectorSnapshot, signedRequest, startTestCollector, type TestCollector } from '../support/collector';

let collectors: TestCollector[] = [];
afterEach(async () => {
  await Promise.all(collectors.map((c) => c.dispose()));
  collectors = [];
});
const collector = async (): Promise<TestCollector> => {
  const c = await startTestCollector();
  collectors.push(c);
  return c;
};
const send = async (base: string, events: unknown[]) => {
  const response = await postBeacon(base, batchBody(events));
  return { status: response.status, body: (await response.json()) as { accepted: number; duplicates: number; rejected: { id: string; reason: string }[] } };
};
const metadata = (prefix: string, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'x']));
/** Random CJK text: 3 bytes per character in UTF-8 and incompressible. */
const cjk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(0x4e00 + Math.floor(Math.random() * 20000))).join('');

describe('the metadata limit', () => {
  it('a customer never holds more than 200 metadata keys, even when a visitor switches to its email in the same batch', async () => {
    const { url } = await collector();
    await send(url, [makeEvent({ visitor: 'v1', session: 's1', type: 'customer_email', data: { email: 'a@x.com', source: 'api' } })]);
    await send(url, [
      makeEvent({ visitor: 'v2', session: 's2', type: 'customer_email', data: { email: 'b@x.com', source: 'api' } }),
      makeEvent({ visitor: 'v2', session: 's2', type: 'customer_data', data: { metadata: metadata('k', 200) } }),
    ]);
    const switched = await send(url, [
      makeEvent({ visitor: 'v1', session: 's1', type: 'customer_email', data: { email: 'b@x.com', source: 'api' } }),
      makeEvent({ visitor: 'v1', session: 's1', type: 'customer_data', data: { metadata: metadata('z', 150) } }),
    ]);
    const customer = await (await signedRequest(url, 'GET', '/api/v1/shop/customers/b@x.com/')).json();
    expect(Object.keys(customer.metadata).length).toBe(200);
    expect(switched.body.rejected).toHaveLength(1);
  });
});

describe('long multi-byte keys: no 5xx, every engine stores the same', () => {
  const k = () => cjk(2000); // 2,000 characters: within the string limit
  const cases: [string, () => unknown][] = [
    ['session_metadata key', () => makeEvent({ type: 'session_metadata', data: { metadata: { [k()]: 'v' } } })],
    ['cart_item product_id', () => makeEvent({ type: 'cart_item', order: 'o1', data: { product_id: k(), price: 100, item_qty: 1 } })],
    ['list_subscription list_id', () => makeEvent({ type: 'list_subscription', data: { email: 'l@x.com', list_id: k() } })],
    ['cart_data metadata key', () => makeEvent({ type: 'cart_data', order: 'o2', data: { cart_value: 100, metadata: { [k()]: 'v' } } })],
  ];
  for (const [name, event] of cases)
    it(`beacon: ${name}`, async () => {
      const { url } = await collector();
      const good = makeEvent();
      const result = await send(url, [good, event()]);
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    });
  it('REST: customer metadata key, opt_in field, converted line', async () => {
    const { url } = await collector();
    // Keys the merchant chose are refused with a reason; a product id from a cart is cut to fit.
    const profile = await signedRequest(url, 'POST', '/api/v1/shop/customers/', { email: 'r@x.com', metadata: { [k()]: 1 } });
    expect([profile.status, (await profile.json()).error]).toEqual([400, expect.stringMatching(/keys of at most 512 bytes/)]);
    expect((await signedRequest(url, 'POST', '/api/v1/shop/customer/opt_in/', { email: 'o@x.com', [k()]: 'yes' })).status).toBe(400);
    expect((await signedRequest(url, 'POST', '/api/1.0/site/shop/lead/convert', { email: 'c@x.com', cart_items: [{ product_id: k(), price: 1 }] })).status).toBe(200);
  });
});

describe('REST 4xx for bad input', () => {
  it('a customer id or email with NUL in the path', async () => {
    const { url } = await collector();
    expect((await signedRequest(url, 'GET', '/api/v1/shop/customers/ab%00cd')).status).toBe(400);
    expect((await signedRequest(url, 'GET', '/api/v1/shop/customers/a%00@x.com')).status).toBe(400);
    expect((await signedRequest(url, 'PUT', '/api/v1/shop/customers/ab%00cd', { email: 'z@x.com' })).status).toBe(400);
  });
  it('an export cursor that passes the format check but overflows', async () => {
    const { url } = await collector();
    for (const after of ['1.9999999999999999999', '18446744073709551616.1', '99999999999999999999'])
      expect((await signedRequest(url, 'GET', `/api/v1/shop/events/?after=${after}&limit=5`)).status, after).toBe(400);
  });
});

describe('list memberships', () => {
  it('a customer read shows the newest 100 of its list memberships, not all of them', { timeout: 60_000 }, async () => {
    const { url } = await collector();
    for (let batch = 0; batch < 6; batch++)
      await send(
        url,
        Array.from({ length: 50 }, (_, i) =>
          makeEvent({ type: 'list_subscription', ts: 1763700000000 + batch * 50 + i, data: { email: 'many@x.com', list_id: `list-${batch * 50 + i}` } }),
        ),
      );
    const snapshot = await readInspectorSnapshot(url);
    const customer = snapshot.customers.find((entry) => entry.email == 'many@x.com') as { lists: { list_id: string }[] };
    expect(customer.lists).toHaveLength(100);
    expect(customer.lists.at(-1)!.list_id).toBe('list-299');
    expect(customer.lists[0].list_id).toBe('list-200');
  });
});
