/**
 * HubRise loyalty cards (seed 004 §3) and operations (§4) over real HTTP, on both engines: the
 * seed's examples, the null-ref and ref rules, the balance derived from operations without float
 * drift, concurrent operations on one card, orders named by id or order_number, operations
 * newest first, decimals refused with a reason, and the customer's points statistics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBody, makeEvent, postBeacon, readInspectorSnapshot, signedRequest, startTestCollector, type TestCollector } from '../support/collector';
import { HUBRISE_SITES, OTHER_TOKEN, SHOP_TOKEN, allPages, hubrise, ok } from '../support/hubrise';

let collector: TestCollector;
let url: string;
let list: string;
let customer: string;
beforeAll(async () => {
  collector = await startTestCollector({ sites: HUBRISE_SITES });
  url = collector.url;
  list = (await ok(url, 'POST', '/location/customer_lists', { name: 'Loyal customers' })).id;
  customer = (await ok(url, 'POST', `/customer_lists/${list}/customers`, { first_name: 'Vera' })).id;
  // The order of the seed's operation example, "mapcm", tracked by the snippet.
  const shopper = { visitor: 'loyal-v', session: 'loyal-s' };
  const beacon = await postBeacon(url, batchBody([
    makeEvent({ ...shopper, type: 'cart_data', order: 'mapcm', data: { cart_value: 4200, order_number: 'SHOP-4200' } }),
    makeEvent({ ...shopper, type: 'conversion', order: 'mapcm', data: {} }),
  ]));
  expect(beacon.status).toBe(200);
});
afterAll(() => collector.dispose());

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$/;
const newCustomer = async (fields: Record<string, unknown> = {}): Promise<string> => (await ok(url, 'POST', `/customer_lists/${list}/customers`, fields)).id;
const newCard = async (customerId: string, fields: Record<string, unknown> = {}) => ok(url, 'POST', `/customer_lists/${list}/loyalty_cards`, { customer_id: customerId, ...fields });
const operate = (card: string, body: Record<string, unknown>) => hubrise(url, 'POST', `/customer_lists/${list}/loyalty_cards/${card}/operations`, body);

describe('the seed examples', () => {
  let card: Record<string, unknown>;
  let operation: Record<string, unknown>;

  it('creates a card ({"customer_id", "name": "Discounts for You", "ref": "DIS"}) with a balance of "0.0"', async () => {
    card = await newCard(customer, { "name": "Discounts for You", "ref": "DIS"});
    expect(Object.keys(card)).toEqual(['id', 'customer_id', 'name', 'ref', 'balance']);
    expect(card).toMatchObject({ customer_id: customer, name: 'Discounts for You', ref: 'DIS', balance: '0.0' });
    expect(await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards/${card.id}`)).toEqual(card);
  });

  it('changes its ref (PATCH {"ref": "LOYALTY"}), and finds it by ref and by customer_id', async () => {
    card = await ok(url, 'PATCH', `/customer_lists/${list}/loyalty_cards/${card.id}`, { "ref": "LOYALTY"});
    expect(card).toMatchObject({ ref: 'LOYALTY', name: 'Discounts for You', balance: '0.0' });
    expect(await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards?ref=LOYALTY`)).toEqual([card]);
    expect(await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards?ref=DIS`)).toEqual([]);
    expect(await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards?customer_id=${customer}`)).toEqual([card]);
    expect(await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards?name=Discounts%20for%20You`)).toEqual([card]);
    expect(await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards?name=Discounts%20for%20You&ref=X`)).toEqual([]);
    expect((await ok(url, 'PUT', `/customer_lists/${list}/loyalty_cards/${card.id}`, { name: null })).name).toBeNull();
    card = await ok(url, 'PATCH', `/customer_lists/${list}/loyalty_cards/${card.id}`, { name: 'Come back!' });
  });

  it('creates the operation {"order_id": "mapcm", "reason": "Points earned", "delta": "4.2"} and updates the balance', async () => {
    const answer = await operate(card.id as string, { "order_id": "mapcm", "reason": "Points earned", "delta": "4.2"});
    expect(answer.status).toBe(200);
    operation = answer.body;
    expect(Object.keys(operation)).toEqual(['id', 'customer_id', 'created_at', 'order_location_id', 'order_id', 'reason', 'delta', 'new_balance']);
    expect(operation).toMatchObject({ customer_id: customer, order_location_id: 'shop-1', order_id: 'mapcm', reason: 'Points earned', delta: '4.2', new_balance: '4.2' });
    expect(operation.created_at).toMatch(TIME);
    expect(await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards/${card.id}/operations/${operation.id}`)).toEqual(operation);
    expect((await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards/${card.id}`)).balance).toBe('4.2');
  });

  it('lists the operations newest first, and shows the cards in the customer', async () => {
    const second = (await operate(card.id as string, { delta: '13.5', reason: 'Welcome' })).body;
    const third = (await operate(card.id as string, { delta: '-0.2' })).body;
    expect(third).toMatchObject({ delta: '-0.2', new_balance: '17.5', order_id: null, order_location_id: null, reason: null });
    const listed = await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards/${card.id}/operations`);
    expect(listed.map((entry: { id: string }) => entry.id)).toEqual([third.id, second.id, operation.id]);
    const paged = await allPages(url, `/customer_lists/${list}/loyalty_cards/${card.id}/operations?count=2`);
    expect(paged.rows).toEqual(listed);
    expect(paged.pages).toEqual([2, 1]);
    const shown = await ok(url, 'GET', `/customer_lists/${list}/customers/${customer}`);
    expect(shown.loyalty_cards).toEqual([{ id: card.id, ref: 'LOYALTY', name: 'Come back!', balance: '17.5' }]);
  });
});

describe('refs', () => {
  it('allow one card without ref per customer (absent or null)', async () => {
    const someone = await newCustomer();
    const first = await newCard(someone);
    expect(first.ref).toBeNull();
    for (const body of [{}, { ref: null }]) {
      const second = await hubrise(url, 'POST', `/customer_lists/${list}/loyalty_cards`, { customer_id: someone, ...body });
      expect(second.status).toBe(422);
      expect(second.body.errors).toEqual([expect.objectContaining({ field: 'ref' })]);
    }
    const withRef = await newCard(someone, { ref: 'A' });
    expect((await hubrise(url, 'PATCH', `/customer_lists/${list}/loyalty_cards/${withRef.id}`, { ref: null })).status).toBe(422);
    // Another customer has its own null ref.
    expect((await newCard(await newCustomer())).ref).toBeNull();
  });

  it('are unique per customer, on create and update, and free across customers', async () => {
    const someone = await newCustomer();
    const card = await newCard(someone, { ref: 'GOLD' });
    expect((await hubrise(url, 'POST', `/customer_lists/${list}/loyalty_cards`, { customer_id: someone, ref: 'GOLD' })).status).toBe(422);
    const silver = await newCard(someone, { ref: 'SILVER' });
    expect((await hubrise(url, 'PATCH', `/customer_lists/${list}/loyalty_cards/${silver.id}`, { ref: 'GOLD' })).status).toBe(422);
    expect((await hubrise(url, 'PATCH', `/customer_lists/${list}/loyalty_cards/${card.id}`, { ref: 'GOLD' })).status).toBe(200);
    expect((await newCard(await newCustomer(), { ref: 'GOLD' })).ref).toBe('GOLD');
  });

  it('have one winner when many clients create the same one at once', async () => {
    const someone = await newCustomer();
    const answers = await Promise.all(Array.from({ length: 10 }, () => hubrise(url, 'POST', `/customer_lists/${list}/loyalty_cards`, { customer_id: someone, ref: null })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, ...Array(9).fill(422)]);
  });
});

describe('cards: errors', () => {
  it.each([
    ['no customer_id', {}, 422, 'customer_id'],
    ['an unknown customer', { customer_id: 'nobody' }, 422, 'customer_id'],
    ['an empty ref', { customer_id: 'x', ref: '' }, 422, 'ref'],
    ['a numeric name', { customer_id: 'x', name: 5 }, 422, 'name'],
    ['a balance', { customer_id: 'x', balance: '100.0' }, 400, 'balance'],
    ['an unknown field', { customer_id: 'x', colour: 'red' }, 400, 'colour'],
  ])('refuses %s', async (_what, body, status, field) => {
    const answer = await hubrise(url, 'POST', `/customer_lists/${list}/loyalty_cards`, body);
    expect(answer.status).toBe(status);
    expect(answer.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('refuses changing the customer or the balance of a card', async () => {
    const card = await newCard(await newCustomer(), { ref: 'FIXED' });
    const moved = await hubrise(url, 'PATCH', `/customer_lists/${list}/loyalty_cards/${card.id}`, { customer_id: customer });
    expect(moved.status).toBe(400);
    expect(moved.body.errors[0]).toMatchObject({ field: 'customer_id' });
    const set = await hubrise(url, 'PATCH', `/customer_lists/${list}/loyalty_cards/${card.id}`, { balance: '1000.0' });
    expect(set.status).toBe(400);
    expect(set.body.errors[0].message).toMatch(/operation/);
    expect(await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards/${card.id}`)).toEqual(card);
  });

  it("answers 404 for a card of another list or another site, and a customer of another list can't get a card here", async () => {
    const other = (await ok(url, 'POST', '/location/customer_lists', { name: 'Other loyal' })).id;
    const outsider = (await ok(url, 'POST', `/customer_lists/${other}/customers`, {})).id;
    expect((await hubrise(url, 'POST', `/customer_lists/${list}/loyalty_cards`, { customer_id: outsider })).status).toBe(422);
    const card = await newCard(customer, { ref: 'HERE' });
    expect((await hubrise(url, 'GET', `/customer_lists/${other}/loyalty_cards/${card.id}`)).status).toBe(404);
    expect((await hubrise(url, 'POST', `/customer_lists/${other}/loyalty_cards/${card.id}/operations`, { delta: '1' })).status).toBe(404);
    expect((await hubrise(url, 'GET', `/customer_lists/${list}/loyalty_cards/${card.id}`, undefined, { token: OTHER_TOKEN })).status).toBe(404);
    expect((await hubrise(url, 'GET', `/customer_lists/${list}/loyalty_cards/nosuch/operations`)).status).toBe(404);
    expect((await hubrise(url, 'GET', `/customer_lists/${list}/loyalty_cards/${card.id}/operations/nosuch`)).status).toBe(404);
  });
});

describe('operations', () => {
  it('derive the balance exactly: 1,000 operations of 0.1 make "100.0"', async () => {
    const card = await newCard(await newCustomer(), { ref: 'TENTHS' });
    for (let done = 0; done < 1000; done += 20)
      await Promise.all(Array.from({ length: 20 }, async () => expect((await operate(card.id, { delta: '0.1' })).status).toBe(200)));
    expect((await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards/${card.id}`)).balance).toBe('100.0');
  }, 120_000);

  it('lose nothing when 50 arrive at once on one card: each new_balance is another step', async () => {
    const card = await newCard(await newCustomer(), { ref: 'RUSH' });
    const answers = await Promise.all(Array.from({ length: 50 }, () => operate(card.id, { delta: '1.5' })));
    expect(answers.every((answer) => answer.status == 200)).toBe(true);
    const balances = answers.map((answer) => Number(answer.body.new_balance)).sort((a, b) => a - b);
    expect(balances).toEqual(Array.from({ length: 50 }, (_, i) => (i + 1) * 1.5));
    expect((await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards/${card.id}`)).balance).toBe('75.0');
    const { rows } = await allPages(url, `/customer_lists/${list}/loyalty_cards/${card.id}/operations`);
    expect(rows).toHaveLength(50);
    // Newest first: the balances count down.
    expect((rows as { new_balance: string }[]).map((row) => Number(row.new_balance))).toEqual([...balances].reverse());
  });

  it('name an order by its id or its order_number, from beacons or the REST API; an unknown one is refused', async () => {
    const card = await newCard(await newCustomer(), { ref: 'ORDERS' });
    expect((await operate(card.id, { order_id: 'mapcm', delta: '1' })).status).toBe(200);
    expect((await operate(card.id, { order_id: 'SHOP-4200', delta: '1' })).body).toMatchObject({ order_id: 'SHOP-4200', new_balance: '2.0' });
    const converted = await signedRequest(url, 'POST', '/api/v1/shop/customer/convert/', { email: 'points@shop.example', cart_data: { cart_value: 5000, order_number: 'API-77' } });
    expect(converted.status).toBe(200);
    expect((await operate(card.id, { order_id: 'API-77', delta: '5', reason: 'Points earned on order' })).body).toMatchObject({ order_id: 'API-77', new_balance: '7.0' });
    for (const order_id of ['nosuch', 'API-78', 'shop-4200']) {
      const unknown = await operate(card.id, { order_id, delta: '1' });
      expect(unknown.status).toBe(422);
      expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'order_id' })]);
    }
    // Another site's order is not this site's.
    const otherList = (await ok(url, 'GET', '/account/customer_lists', undefined, { token: OTHER_TOKEN }))[0].id;
    const otherCustomer = (await ok(url, 'POST', `/customer_lists/${otherList}/customers`, {}, { token: OTHER_TOKEN })).id;
    const otherCard = (await ok(url, 'POST', `/customer_lists/${otherList}/loyalty_cards`, { customer_id: otherCustomer }, { token: OTHER_TOKEN })).id;
    expect((await hubrise(url, 'POST', `/customer_lists/${otherList}/loyalty_cards/${otherCard}/operations`, { order_id: 'mapcm', delta: '1' }, { token: OTHER_TOKEN })).status).toBe(422);
    expect((await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards/${card.id}`)).balance).toBe('7.0');
  });

  it.each([
    ['seven decimals', '0.0000001', 422],
    ['more than 10^9', '1000000000.5', 422],
    ['text', 'four', 422],
    ['an exponent', '1e3', 422],
    ['a boolean', true, 422],
    ['nothing', undefined, 422],
    ['an unknown field', '1', 400, { points: 3 }],
    ['a new_balance', '1', 400, { new_balance: '100' }],
  ])('refuse a delta of %s with a reason', async (_what, delta, status, extra: Record<string, unknown> = {}) => {
    const card = await newCard(await newCustomer(), { ref: 'BAD' });
    const answer = await operate(card.id, { ...(delta === undefined ? {} : { delta }), ...extra });
    expect(answer.status).toBe(status);
    expect(answer.body.errors.length).toBeGreaterThan(0);
    expect(answer.body.message).toBeTruthy();
    expect((await ok(url, 'GET', `/customer_lists/${list}/loyalty_cards/${card.id}`)).balance).toBe('0.0');
  });

  it('take decimals as strings or numbers, six decimals at most, and negative deltas', async () => {
    const card = await newCard(await newCustomer(), { ref: 'DECIMALS' });
    expect((await operate(card.id, { delta: 4.2 })).body.new_balance).toBe('4.2');
    expect((await operate(card.id, { delta: '0.000001' })).body.new_balance).toBe('4.200001');
    expect((await operate(card.id, { delta: '-10' })).body.new_balance).toBe('-5.799999');
    expect((await operate(card.id, { delta: '5.799999' })).body).toMatchObject({ delta: '5.799999', new_balance: '0.0' });
    expect((await operate(card.id, { delta: '1000000000' })).body.new_balance).toBe('1000000000.0');
    // The balance itself stays within ±10^9 points.
    expect((await operate(card.id, { delta: '1' })).status).toBe(422);
  });

  it("move the customer's points statistics in the same transaction", async () => {
    const someone = await newCustomer({ first_name: 'Points' });
    const first = await newCard(someone, { ref: 'P1' });
    const second = await newCard(someone, { ref: 'P2' });
    await operate(first.id, { delta: '10.5' });
    await operate(second.id, { delta: '2' });
    await operate(first.id, { delta: '-3.25' });
    const login = await fetch(`${url}/inspector/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: SHOP_TOKEN }).toString(),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const snapshot = await readInspectorSnapshot(url, '', { cookie });
    const view = snapshot.customers.find((entry) => entry.id == someone) as { stats: Record<string, number | null> };
    expect(view.stats).toMatchObject({ points_balance: 9_250_000, points_earned: 12_500_000, points_redeemed: 3_250_000 });
    expect(view.stats.last_points_earned_at).toBeGreaterThan(0);
    expect(view.stats.last_points_redeemed_at).toBeGreaterThanOrEqual(view.stats.last_points_earned_at!);
  });
});
