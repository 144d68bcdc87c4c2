import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRejoinerClient, RejoinerApiError, type RejoinerClient } from '../../src/node';
import { SHOP, signedRequest, startTestCollector, type TestCollector } from '../support/collector';

let collector: TestCollector;
let client: RejoinerClient;
beforeAll(async () => {
  collector = await startTestCollector();
  client = createRejoinerClient({ baseUrl: collector.url, siteId: SHOP.id, key: SHOP.key, secret: SHOP.secret });
});
afterAll(() => collector.dispose());

const FULL = {
  email: 'madonna@shop.example',
  first_name: 'Madonna',
  last_name: 'Lewis',
  phone: '',
  timezone: 'America/Phoenix',
  age: 49,
  gender: 'f' as const,
  language: 'en',
  address1: '1505 Dogwood Lane',
  address2: '',
  address3: '',
  city: 'Tucson',
  state: 'AZ',
  postal_code: '85705',
  country: 'US',
  birthdate: '1969-10-26',
  tags: ['foo', 'bar'],
  metadata: { foo: 'bar', nested: { n: 1 } },
};

describe('customer endpoints', () => {
  it('creates a customer and returns it in the shape of seed 000', async () => {
    const response = await signedRequest(collector.url, 'POST', '/api/v1/shop/customers/', FULL);
    expect(response.status).toBe(201);
    const customer = await response.json();
    expect(Object.keys(customer)).toEqual([
      'id', 'email', 'first_name', 'last_name', 'phone', 'timezone', 'age', 'gender', 'language',
      'address1', 'address2', 'address3', 'city', 'state', 'postal_code', 'country', 'birthdate',
      'tags', 'is_unsubscribed', 'unsubscribe_date', 'is_opted_in', 'opt_in_date', 'opt_in_info', 'metadata',
      // Beyond seed 000's example: whether customer/cancel/ stopped the journeys, and when.
      'journeys_cancelled', 'journeys_cancelled_at',
    ]);
    expect(customer).toMatchObject({ ...FULL, is_unsubscribed: false, unsubscribe_date: null, is_opted_in: false, opt_in_date: null, opt_in_info: {} });
    expect(customer.id).toMatch(/^[0-9a-f]{24}$/);
  });

  it('finds a customer by id and by email (any case)', async () => {
    const created = await client.createCustomer({ email: 'find.me@shop.example', first_name: 'Find' });
    expect((await client.getCustomer(created.id))?.email).toBe('find.me@shop.example');
    expect((await client.getCustomer('Find.Me@Shop.Example'))?.id).toBe(created.id);
  });

  it('answers 404 for an unknown customer', async () => {
    const response = await signedRequest(collector.url, 'GET', '/api/v1/shop/customers/nobody%40shop.example/');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'customer not found' });
    expect(await client.getCustomer('0123456789abcdef01234567')).toBeNull();
    await expect(client.updateCustomer('nobody@shop.example', { email: 'nobody@shop.example' })).rejects.toMatchObject({ status: 404 });
  });

  it('updates given fields only and replaces metadata whole', async () => {
    await client.createCustomer({ email: 'update@shop.example', first_name: 'Ann', city: 'Oslo', metadata: { a: 1, b: 2 } });
    const updated = await client.updateCustomer('update@shop.example', { email: 'update@shop.example', last_name: 'Lee', metadata: { c: 3 } });
    expect(updated).toMatchObject({ first_name: 'Ann', last_name: 'Lee', city: 'Oslo', metadata: { c: 3 } });
    const cleared = await client.updateCustomer(updated.id, { email: 'update@shop.example', city: null } as never);
    expect(cleared.city).toBe('');
  });

  it('moves a customer to a new email, and refuses an email another customer has', async () => {
    const first = await client.createCustomer({ email: 'old@shop.example' });
    await client.createCustomer({ email: 'taken@shop.example' });
    const moved = await client.updateCustomer('old@shop.example', { email: 'new@shop.example' });
    expect(moved).toMatchObject({ id: first.id, email: 'new@shop.example' });
    expect(await client.getCustomer('old@shop.example')).toBeNull();
    const conflict = await client.updateCustomer(first.id, { email: 'taken@shop.example' }).catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(RejoinerApiError);
    expect((conflict as RejoinerApiError).status).toBe(409);
  });

  it('merges a POST for an existing email into that customer (200)', async () => {
    await client.createCustomer({ email: 'twice@shop.example', first_name: 'One' });
    const response = await signedRequest(collector.url, 'POST', '/api/v1/shop/customers/', { email: 'twice@shop.example', last_name: 'Two' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ first_name: 'One', last_name: 'Two' });
  });

  const VALID = 'valid@shop.example';
  it.each([
    ['missing email', { first_name: 'x' }, 'email: required'],
    ['invalid email', { email: 'nope' }, 'email: not a valid email address'],
    ['gender not m/f', { email: VALID, gender: 'male' }, 'gender: must be "m" or "f"'],
    ['language of 3 letters', { email: VALID, language: 'eng' }, 'language: at most 2 letters'],
    ['language with digits', { email: VALID, language: 'e1' }, 'language: at most 2 letters'],
    ['birthdate in another format', { email: VALID, birthdate: '26/10/1969' }, 'birthdate: must be a date YYYY-MM-DD'],
    ['impossible birthdate', { email: VALID, birthdate: '1969-02-30' }, 'birthdate: must be a date YYYY-MM-DD'],
    ['birthdate in month 13', { email: VALID, birthdate: '2023-13-01' }, 'birthdate: must be a date YYYY-MM-DD'],
    ['tags not an array', { email: VALID, tags: 'foo' }, 'tags: must be an array of strings'],
    ['tags with numbers', { email: VALID, tags: ['a', 1] }, 'tags: must be an array of strings'],
    ['metadata an array', { email: VALID, metadata: [1] }, 'metadata: must be a JSON object'],
    ['metadata a string', { email: VALID, metadata: '{}' }, 'metadata: must be a JSON object'],
    ['age a string', { email: VALID, age: '49' }, 'age: must be a number of years'],
    ['first_name a number', { email: VALID, first_name: 7 }, 'first_name: must be a string'],
    ['an unknown field', { email: VALID, favourite_color: 'red' }, 'favourite_color: unknown field'],
    ['a __proto__ field', `{"email":"${VALID}","__proto__":{"x":1}}`, '__proto__: unknown field'],
    ['an array body', [VALID], 'body must be a JSON object'],
  ])('refuses %s with 400 and a reason (POST and PUT)', async (_name, body, reason) => {
    await client.createCustomer({ email: VALID });
    for (const [method, path] of [['POST', '/api/v1/shop/customers/'], ['PUT', '/api/v1/shop/customers/valid%40shop.example/']]) {
      const response = await signedRequest(collector.url, method, path, typeof body == 'string' ? body : JSON.stringify(body));
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: reason });
    }
  });

  it('ignores the read-only fields of the response shape sent back on update', async () => {
    const customer = await client.createCustomer({ email: 'roundtrip@shop.example', first_name: 'R' });
    const again = await client.updateCustomer(customer.id, { ...customer, last_name: 'T' } as never);
    expect(again).toMatchObject({ id: customer.id, first_name: 'R', last_name: 'T', is_unsubscribed: false });
  });
});

describe('customer actions', () => {
  it('unsubscribes, with a date, even a customer not seen before', async () => {
    const customer = await client.unsubscribe('Gone@Shop.Example');
    expect(customer).toMatchObject({ email: 'gone@shop.example', is_unsubscribed: true });
    expect(new Date(customer.unsubscribe_date!).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('records an opt-in with the extra fields as strings', async () => {
    const customer = await client.optIn('consent@shop.example', { type: 'accepts marketing checkbox', page: 3, double: true });
    expect(customer).toMatchObject({
      is_opted_in: true,
      opt_in_info: { type: 'accepts marketing checkbox', page: '3', double: 'true' },
    });
    expect(customer.opt_in_date).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await client.getCustomer('consent@shop.example'))?.opt_in_info).toEqual(customer.opt_in_info);
  });

  it('cancels journeys', async () => {
    const response = await signedRequest(collector.url, 'POST', '/api/v1/shop/customer/cancel/', { email: 'cancel@shop.example' });
    expect(response.status).toBe(200);
    expect((await response.json()).email).toBe('cancel@shop.example');
  });

  it.each(['cancel', 'unsubscribe', 'opt_in', 'convert'])('refuses customer/%s/ without a valid email (400)', async (action) => {
    for (const [body, reason] of [[{}, 'email: required'], [{ email: 'x@' }, 'email: not a valid email address'], [[], 'body must be a JSON object']] as const) {
      const response = await signedRequest(collector.url, 'POST', `/api/v1/shop/customer/${action}/`, body);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: reason });
    }
  });
});
