/**
 * HubRise customers (seed 004 §2) over real HTTP, on both engines: the seed's examples verbatim,
 * field names and types, private_ref, wildcard searches, PATCH of present fields only, the
 * default list's one customer per email, statistics from tracked conversions, anonymise, input
 * errors, and paging over several pages while customers are added.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBody, exportAll, makeEvent, postBeacon, signedRequest, startTestCollector, type TestCollector } from '../support/collector';
import { HUBRISE_SITES, OTHER_TOKEN, allPages, countRows, hubrise, ok } from '../support/hubrise';

let collector: TestCollector;
let url: string;
/** A list of this file's own. */
let list: string;
beforeAll(async () => {
  collector = await startTestCollector({ sites: HUBRISE_SITES });
  url = collector.url;
  list = (await ok(url, 'POST', '/location/customer_lists', { name: 'Online customers' })).id;
});
afterAll(() => collector.dispose());

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$/;

/** Seed 004 §2.1, the answer of "Retrieve Customer", verbatim. */
const SEED_CUSTOMER = { "id": "jdj9v", "customer_list_id": "smpse3", "anonymised": false, "private_ref": null, "email": "jimmy.watson@dummy-mail.org", "first_name": "Jimmy", "last_name": "Watson", "gender": "male", "birth_date": null, "created_at": "2020-01-18T17:12:02+02:00", "company_name": null, "phone": "+44123456789", "phone_access_code": "8888", "address_1": "1 Town Road", "address_2": null, "postal_code": "N9 0HL", "city": "London", "state": null, "country": "GB", "latitude": "45.7571206", "longitude": "4.8307575", "delivery_notes": null, "sms_marketing": false, "email_marketing": true, "nb_orders": 2, "order_total": "28.40 GBP", "first_order_date": "2020-01-18T17:15:11+02:00", "last_order_date": "2020-01-23T10:13:21+02:00", "loyalty_cards": [ { "id": "slp8q", "ref": null, "name": null, "balance": "13.5" } ], "custom_fields": {}};
/** Seed 004 §2.3, the request of "Create Customer", verbatim. */
const SEED_CREATE = { "private_ref": "2213312", "email": "charles.moore@dummy-mail.org", "first_name": "Charles", "last_name": "Moore", "gender": "male", "birth_date": "1999-01-01", "company_name": "HubRise", "phone": "+44123456789", "phone_access_code": "8888", "address_1": "1 avenue des Champs Elysées", "address_2": null, "postal_code": "75001", "city": "Paris", "state": null, "country": "FR", "latitude": "48.8589507", "longitude": "2.2770205"};

/** JSON types, with null for null. */
const typeOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

describe('the seed examples', () => {
  let created: Record<string, unknown>;

  it('creates the customer of §2.3 and answers with every field of §2.1, in its order and types', async () => {
    created = await ok(url, 'POST', `/customer_lists/${list}/customers`, SEED_CREATE);
    expect(Object.keys(created)).toEqual(Object.keys(SEED_CUSTOMER));
    for (const [field, value] of Object.entries(SEED_CUSTOMER))
      if (value !== null && created[field] !== null) expect([field, typeOf(created[field])]).toEqual([field, typeOf(value)]);
    expect(created).toMatchObject({ ...SEED_CREATE, customer_list_id: list, anonymised: false, delivery_notes: null });
    expect(created.id).toMatch(/^[a-z0-9]+$/);
    expect(created.created_at).toMatch(TIME);
    // Nothing tracked for this email, no card, no consent given: the seed's defaults.
    expect(created).toMatchObject({ nb_orders: 0, order_total: '0.00 GBP', first_order_date: null, last_order_date: null, loyalty_cards: [], custom_fields: {}, sms_marketing: false, email_marketing: false });
  });

  it('retrieves it (GET /customer_lists/:customer_list_id/customers/:customer_id)', async () => {
    expect(await ok(url, 'GET', `/customer_lists/${list}/customers/${created.id}`)).toEqual(created);
  });

  it('finds it by phone=%2B44* (§2.2), by email and by private_ref', async () => {
    const byPhone = await ok(url, 'GET', `/customer_lists/${list}/customers?phone=%2B44*`);
    expect(byPhone).toEqual([created]);
    expect(byPhone[0]).toMatchObject({ customer_list_id: list, anonymised: false, email: 'charles.moore@dummy-mail.org', first_name: 'Charles', last_name: 'Moore', phone: '+44123456789' });
    expect(await ok(url, 'GET', `/customer_lists/${list}/customers?email=charles.moore@dummy-mail.org`)).toEqual([created]);
    expect(await ok(url, 'GET', `/customer_lists/${list}/customers?private_ref=2213312`)).toEqual([created]);
    expect(await ok(url, 'GET', `/customer_lists/${list}/customers?private_ref=2213313`)).toEqual([]);
  });

  it('updates only the fields present (PATCH {"first_name": "Claude"})', async () => {
    const updated = await ok(url, 'PATCH', `/customer_lists/${list}/customers/${created.id}`, { "first_name": "Claude"});
    expect(updated).toEqual({ ...created, first_name: 'Claude' });
    const cleared = await ok(url, 'PUT', `/customer_lists/${list}/customers/${created.id}`, { city: null, state: 'Île-de-France' });
    expect(cleared).toEqual({ ...created, first_name: 'Claude', city: null, state: 'Île-de-France' });
  });

  it('creates a customer with no field at all, found later by its id', async () => {
    const empty = await ok(url, 'POST', `/customer_lists/${list}/customers`);
    expect(empty).toMatchObject({ email: null, first_name: null, private_ref: null, customer_list_id: list });
    expect((await ok(url, 'GET', `/customer_lists/${list}/customers/${empty.id}`)).id).toBe(empty.id);
  });
});

describe('fields', () => {
  it('keeps the marketing permissions (unknown shows false) and custom fields, replaced whole by an update', async () => {
    const customer = await ok(url, 'POST', `/customer_lists/${list}/customers`, {
      email_marketing: true, sms_marketing: false, custom_fields: { tier: 'gold', visits: 3, tags: ['a'] },
    });
    expect(customer).toMatchObject({ email_marketing: true, sms_marketing: false, custom_fields: { tier: 'gold', visits: 3, tags: ['a'] } });
    const changed = await ok(url, 'PATCH', `/customer_lists/${list}/customers/${customer.id}`, { email_marketing: null, custom_fields: { tier: 'silver' } });
    expect(changed).toMatchObject({ email_marketing: false, custom_fields: { tier: 'silver' } });
    expect((await ok(url, 'PATCH', `/customer_lists/${list}/customers/${customer.id}`, { custom_fields: null })).custom_fields).toEqual({});
  });

  it('normalizes email to lower case and country to upper case; female and male only', async () => {
    const customer = await ok(url, 'POST', `/customer_lists/${list}/customers`, { email: 'Mixed.Case@Shop.Example', country: 'gb', gender: 'female' });
    expect(customer).toMatchObject({ email: 'mixed.case@shop.example', country: 'GB', gender: 'female' });
  });

  it.each([
    ['email', 'not-an-email'],
    ['email', 42],
    ['phone', 'call me'],
    ['phone', '+1 23'],
    ['birth_date', '1999-02-30'],
    ['birth_date', '01/02/1999'],
    ['country', 'XX'],
    ['country', 'France'],
    ['gender', 'other'],
    ['gender', 'm'],
    ['latitude', '91'],
    ['longitude', 'east'],
    ['first_name', 12],
    ['first_name', 'x'.repeat(2001)],
    ['sms_marketing', 'yes'],
    ['custom_fields', ['a']],
    ['custom_fields', Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, i]))],
    ['private_ref', { ref: 1 }],
  ])('refuses %s = %.40j with 422 naming the field', async (field, value) => {
    const answer = await hubrise(url, 'POST', `/customer_lists/${list}/customers`, { [field]: value });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error_type: 'unprocessable_entity', errors: [expect.objectContaining({ field })] });
    const someone = await ok(url, 'POST', `/customer_lists/${list}/customers`, { first_name: 'Valid' });
    expect((await hubrise(url, 'PATCH', `/customer_lists/${list}/customers/${someone.id}`, { [field]: value })).status).toBe(422);
  });

  it.each(['colour', 'id', 'customer_list_id', 'anonymised', 'nb_orders', 'loyalty_cards', 'created_at'])('refuses the field %s with 400 naming it', async (field) => {
    const answer = await hubrise(url, 'POST', `/customer_lists/${list}/customers`, { [field]: 'x' });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field })]);
  });

  it('refuses a body that is not an object (400) and one over 1 MB (413)', async () => {
    expect((await hubrise(url, 'POST', `/customer_lists/${list}/customers`, '"text"')).status).toBe(400);
    expect((await hubrise(url, 'POST', `/customer_lists/${list}/customers`, { first_name: 'x'.repeat(1_100_000) })).status).toBe(413);
  });

  it('answers 404 for an unknown customer, list or odd id, and for a customer of another list', async () => {
    const other = (await ok(url, 'POST', '/location/customer_lists', { name: 'Another one' })).id;
    const customer = await ok(url, 'POST', `/customer_lists/${list}/customers`, {});
    for (const path of [`/customer_lists/${list}/customers/nobody`, `/customer_lists/nolist/customers/${customer.id}`, `/customer_lists/${other}/customers/${customer.id}`, `/customer_lists/${list}/customers/Not%20An%20Id`]) {
      expect((await hubrise(url, 'GET', path)).status).toBe(404);
      expect((await hubrise(url, 'PATCH', path, { first_name: 'X' })).status).toBe(404);
      expect((await hubrise(url, 'POST', `${path}/anonymise`)).status).toBe(404);
    }
    expect((await hubrise(url, 'GET', `/customer_lists/${list}/customers/${customer.id}`, undefined, { token: OTHER_TOKEN })).status).toBe(404);
  });
});

describe('hostile input', () => {
  it.each([
    ['a prototype key', '{"__proto__": {"first_name": "Evil"}}', '__proto__'],
    ['a constructor key', '{"first_name": "Ok", "constructor": {"prototype": {}}}', 'constructor'],
    ['a prototype key in a list body', '{"name": "x", "__proto__": {"name": "y"}}', '__proto__'],
  ])('refuses %s with 400 naming it, and nothing is created', async (_what, body, field) => {
    const path = field == '__proto__' && body.includes('"name"') ? '/location/customer_lists' : `/customer_lists/${list}/customers`;
    const before = await ok(url, 'GET', `/customer_lists/${list}/customers?count=1000`);
    const answer = await hubrise(url, 'POST', path, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error_type: 'bad_request', errors: [expect.objectContaining({ field })] });
    expect(await ok(url, 'GET', `/customer_lists/${list}/customers?count=1000`)).toEqual(before);
    expect(({} as Record<string, unknown>).first_name).toBeUndefined();
  });

  it('keeps a prototype key inside custom_fields as data, and changes no other object', async () => {
    const answer = await hubrise(url, 'POST', `/customer_lists/${list}/customers`, '{"custom_fields": {"__proto__": {"polluted": true}, "tier": "gold"}}');
    expect(answer.status).toBe(200);
    const read = (await hubrise(url, 'GET', `/customer_lists/${list}/customers/${answer.body.id}`)).body;
    // JSON.parse makes "__proto__" an own key, as it was sent.
    expect(Object.keys(read.custom_fields).sort()).toEqual(['__proto__', 'tier']);
    expect(Object.getOwnPropertyDescriptor(read.custom_fields, '__proto__')?.value).toEqual({ polluted: true });
    expect(read.custom_fields.tier).toBe('gold');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['a prototype key in the query', '?__proto__=1'],
    ['a huge cursor', `?cursor=${'9'.repeat(5000)}`],
    ['a cursor of the wrong shape', '?cursor=%00%01'],
    ['a count that is not a number', '?count=ten'],
    ['a count of 0', '?count=0'],
    ['a count over the maximum', '?count=100000'],
  ])('refuses %s with 400 and a reason', async (_what, query) => {
    const answer = await hubrise(url, 'GET', `/customer_lists/${list}/customers${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.message).toEqual(expect.any(String));
  });

  it('refuses huge strings with 422 naming the field: private_ref, email, a list name', async () => {
    for (const [field, value] of [['private_ref', 'r'.repeat(100_000)], ['email', `${'e'.repeat(100_000)}@shop.example`], ['phone', '+44'.padEnd(100_000, '1')]] as const) {
      const answer = await hubrise(url, 'POST', `/customer_lists/${list}/customers`, { [field]: value });
      expect([field, answer.status]).toEqual([field, 422]);
      expect(answer.body.errors).toEqual([expect.objectContaining({ field })]);
    }
    const named = await hubrise(url, 'POST', '/location/customer_lists', { name: 'n'.repeat(100_000) });
    expect(named.status).toBe(422);
    expect(named.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
  });
});

describe('private_ref', () => {
  it('is unique within its list, on create and update, and free in another list', async () => {
    await ok(url, 'POST', `/customer_lists/${list}/customers`, { private_ref: 'POS-1' });
    const again = await hubrise(url, 'POST', `/customer_lists/${list}/customers`, { private_ref: 'POS-1' });
    expect(again.status).toBe(422);
    expect(again.body.errors).toEqual([expect.objectContaining({ field: 'private_ref' })]);
    const second = await ok(url, 'POST', `/customer_lists/${list}/customers`, { private_ref: 'POS-2' });
    expect((await hubrise(url, 'PATCH', `/customer_lists/${list}/customers/${second.id}`, { private_ref: 'POS-1' })).status).toBe(422);
    expect((await hubrise(url, 'PATCH', `/customer_lists/${list}/customers/${second.id}`, { private_ref: 'POS-2' })).status).toBe(200);
    const other = (await ok(url, 'POST', '/location/customer_lists', { name: 'POS elsewhere' })).id;
    expect((await hubrise(url, 'POST', `/customer_lists/${other}/customers`, { private_ref: 'POS-1' })).status).toBe(200);
  });

  it('has one winner when many clients create it at once', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => hubrise(url, 'POST', `/customer_lists/${list}/customers`, { private_ref: 'RACE-1' })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, ...Array(9).fill(422)]);
    expect(await ok(url, 'GET', `/customer_lists/${list}/customers?private_ref=RACE-1`)).toHaveLength(1);
  });
});

describe('searches', () => {
  let search: string;
  const people = [
    { email: 'ann@example.com', phone: '+44 20 7946 0001' },
    { email: 'bob@example.com', phone: '+447700900002' },
    { email: 'bob@example.com', phone: '+33 1 23 45 67 89' },
    { email: 'carl@elsewhere.org', phone: '0044 7700 900003' },
    { email: 'dora@example.company', phone: '+1 555 010 2030' },
  ];
  const ids: string[] = [];
  beforeAll(async () => {
    search = (await ok(url, 'POST', '/location/customer_lists', { name: 'Searches' })).id;
    for (const person of people) ids.push((await ok(url, 'POST', `/customer_lists/${search}/customers`, person)).id);
  });
  const found = async (query: string): Promise<string[]> => (await ok(url, 'GET', `/customer_lists/${search}/customers?${query}`)).map((row: { id: string }) => row.id).sort();
  const pick = (...indexes: number[]): string[] => indexes.map((index) => ids[index]).sort();

  it.each([
    ['email=*@example.com', [0, 1, 2]],
    ['email=bob@example.com', [1, 2]],
    ['email=BOB@EXAMPLE.COM', [1, 2]],
    ['email=b*', [1, 2]],
    ['email=*example*', [0, 1, 2, 4]],
    ['email=a*@*.com', [0]],
    ['email=*.org', [3]],
    ['email=nobody@example.com', []],
    ['phone=%2B44*', [0, 1, 3]],
    ['phone=%2B447700*', [1, 3]],
    ['phone=%2B44%2020*', [0]],
    ['phone=*0002', [1]],
    ['phone=%2B33123456789', [2]],
    ['phone=%2B33%201%2023%2045%2067%2089', [2]],
    ['phone=*', null],
    ['email=*', null],
    ['email=*@example.com&phone=%2B44*', [0, 1]],
  ])('?%s', async (query, expected) => {
    if (expected === null) {
      const answer = await hubrise(url, 'GET', `/customer_lists/${search}/customers?${query}`);
      expect(answer.status).toBe(400);
      return;
    }
    expect(await found(query)).toEqual(pick(...expected));
  });
});

describe('the default list', () => {
  it('holds the customers beacons and the REST API make, and keeps one per email', async () => {
    const email = 'tracked.once@shop.example';
    const made = await ok(url, 'POST', '/customer_lists/default/customers', { email, first_name: 'Tracked' });
    const again = await hubrise(url, 'POST', '/customer_lists/default/customers', { email });
    expect(again.status).toBe(422);
    expect(again.body.errors).toEqual([expect.objectContaining({ field: 'email' })]);
    // Rejoiner's API finds the same customer by its email.
    const rejoiner = await (await signedRequest(url, 'GET', `/api/v1/shop/customers/${encodeURIComponent(email)}/`)).json();
    expect(rejoiner).toMatchObject({ id: made.id, first_name: 'Tracked' });
    const byEmail = await signedRequest(url, 'GET', `/api/v2/shop/customers/by_email/?email=${encodeURIComponent(email)}`);
    expect(byEmail.status).toBe(200);
    expect(await byEmail.json()).toMatchObject({ id: made.id, email, first_name: 'Tracked' });
    // Another list may hold the email several times.
    await ok(url, 'POST', `/customer_lists/${list}/customers`, { email });
    await ok(url, 'POST', `/customer_lists/${list}/customers`, { email });
    expect(await ok(url, 'GET', `/customer_lists/${list}/customers?email=${email}`)).toHaveLength(2);
    // Moving another default customer to that email is refused too.
    const other = await ok(url, 'POST', '/customer_lists/default/customers', { email: 'someone.else@shop.example' });
    expect((await hubrise(url, 'PATCH', `/customer_lists/default/customers/${other.id}`, { email })).status).toBe(422);
  });

  it("is the only list Rejoiner's REST API reads: another list's customers are not found there", async () => {
    const email = 'list.only@shop.example';
    const customer = await ok(url, 'POST', `/customer_lists/${list}/customers`, { email, first_name: 'Listed' });
    expect((await signedRequest(url, 'GET', `/api/v1/shop/customers/${customer.id}/`)).status).toBe(404);
    expect((await signedRequest(url, 'GET', `/api/v1/shop/customers/${encodeURIComponent(email)}/`)).status).toBe(404);
    expect((await signedRequest(url, 'DELETE', `/api/v2/shop/customers/${customer.id}/`)).status).toBe(404);
    expect((await ok(url, 'GET', `/customer_lists/${list}/customers/${customer.id}`)).first_name).toBe('Listed');
  });
});

describe('statistics from what was tracked', () => {
  it('shows nb_orders, order_total and order dates of conversions sent through the REST API, in every list of the email', async () => {
    const email = 'buyer@shop.example';
    for (const cart_value of [1840, 1000]) {
      const response = await signedRequest(url, 'POST', '/api/v1/shop/customer/convert/', { email, cart_data: { cart_value, order_number: `R-${cart_value}` } });
      expect(response.status).toBe(200);
    }
    const [tracked] = await ok(url, 'GET', `/customer_lists/default/customers?email=${email}`);
    expect(tracked).toMatchObject({ customer_list_id: 'default', email, nb_orders: 2, order_total: '28.40 GBP' });
    expect(tracked.first_order_date).toMatch(TIME);
    expect(tracked.last_order_date).toMatch(TIME);
    expect(tracked.last_order_date >= tracked.first_order_date).toBe(true);
    // A customer of another list with that email shows the same tracked statistics.
    const listed = await ok(url, 'POST', `/customer_lists/${list}/customers`, { email });
    expect(listed).toMatchObject({ nb_orders: 2, order_total: '28.40 GBP', first_order_date: tracked.first_order_date, last_order_date: tracked.last_order_date });
  });

  it('counts conversions sent by the snippet (beacons)', async () => {
    const email = 'beacon.buyer@shop.example';
    const shopper = { visitor: 'stats-v', session: 'stats-s' };
    const answer = await postBeacon(url, batchBody([
      makeEvent({ ...shopper, type: 'customer_email', data: { email, source: 'form' } }),
      makeEvent({ ...shopper, type: 'cart_data', order: 'stats-o', data: { cart_value: 995 } }),
      makeEvent({ ...shopper, type: 'conversion', order: 'stats-o', data: {} }),
    ]));
    expect(answer.status).toBe(200);
    const [customer] = await ok(url, 'GET', `/customer_lists/default/customers?email=${email}`);
    expect(customer).toMatchObject({ nb_orders: 1, order_total: '9.95 GBP' });
    expect(customer.first_order_date).toMatch(TIME);
  });
});

describe('anonymise', () => {
  const ANONYMISED = ['email', 'first_name', 'last_name', 'gender', 'birth_date', 'company_name', 'phone', 'phone_access_code', 'address_1', 'address_2', 'postal_code', 'latitude', 'longitude', 'delivery_notes'];
  const FULL = { ...SEED_CREATE, email: 'anon.me@shop.example', private_ref: 'ANON-1', address_2: 'Floor 2', delivery_notes: 'Ring twice', city: 'Paris', custom_fields: { tier: 'gold' }, sms_marketing: true };

  it("nulls the seed's fields, sets anonymised, keeps the others, and ignores later updates of those fields", async () => {
    const customer = await ok(url, 'POST', `/customer_lists/${list}/customers`, FULL);
    const anonymised = await ok(url, 'POST', `/customer_lists/${list}/customers/${customer.id}/anonymise`);
    expect(anonymised.anonymised).toBe(true);
    for (const field of ANONYMISED) expect([field, anonymised[field]]).toEqual([field, null]);
    expect(anonymised).toMatchObject({ id: customer.id, private_ref: 'ANON-1', city: 'Paris', country: 'FR', custom_fields: { tier: 'gold' }, sms_marketing: true });
    expect(await ok(url, 'GET', `/customer_lists/${list}/customers/${customer.id}`)).toEqual(anonymised);
    // Nothing personal is left in the stored row either (the search columns included).
    const stored = ['email', 'phone_key', 'profile'].map((column) =>
      countRows(collector, `SELECT count(*) FROM customers WHERE site = $1 AND id = $2 AND ${column} LIKE $3`, ['shop', customer.id, '%']));
    expect(await Promise.all(stored)).toEqual([0, 0, 1]);
    for (const value of [FULL.email, FULL.first_name, FULL.last_name, FULL.phone_access_code, FULL.address_1, FULL.postal_code, FULL.company_name, FULL.delivery_notes, FULL.address_2, FULL.birth_date, '2770205', '8589507', '123456789'])
      expect([value, await countRows(collector, 'SELECT count(*) FROM customers WHERE site = $1 AND id = $2 AND profile LIKE $3', ['shop', customer.id, `%${value}%`])]).toEqual([value, 0]);

    // Irreversible: the fields stay null, the others still change.
    const updated = await ok(url, 'PATCH', `/customer_lists/${list}/customers/${customer.id}`, {
      first_name: 'Back', email: 'back@shop.example', phone: '+44123456789', custom_fields: { tier: 'silver' }, sms_marketing: false, city: 'Lyon',
    });
    for (const field of ANONYMISED) expect([field, updated[field]]).toEqual([field, null]);
    expect(updated).toMatchObject({ anonymised: true, custom_fields: { tier: 'silver' }, sms_marketing: false, city: 'Lyon' });
    expect(await ok(url, 'GET', `/customer_lists/${list}/customers?email=${encodeURIComponent(FULL.email)}`)).toEqual([]);
    // Again: nothing more to do.
    expect((await ok(url, 'POST', `/customer_lists/${list}/customers/${customer.id}/anonymise`)).anonymised).toBe(true);
  });

  it('of the tracked customer (default list) also takes the email out of the stored events and the export', async () => {
    const email = 'tracked.anon@shop.example';
    const shopper = { visitor: 'anon-v', session: 'anon-s' };
    await postBeacon(url, batchBody([
      makeEvent({ ...shopper, type: 'page_view', url: `https://shop.example/?email=${encodeURIComponent(email)}`, data: { url: `https://shop.example/?email=${encodeURIComponent(email)}`, title: 'Hi', referrer: '' } }),
      makeEvent({ ...shopper, type: 'customer_email', data: { email, source: 'form' } }),
      makeEvent({ ...shopper, type: 'customer_data', data: { first_name: 'Anouk', last_name: 'Tracked' } }),
      makeEvent({ ...shopper, type: 'cart_data', order: 'anon-o', data: { cart_value: 1200 } }),
      makeEvent({ ...shopper, type: 'conversion', order: 'anon-o', data: {} }),
    ]));
    expect(JSON.stringify(await exportAll(url))).toContain(email);
    const [customer] = await ok(url, 'GET', `/customer_lists/default/customers?email=${email}`);
    expect(customer).toMatchObject({ first_name: 'Anouk', nb_orders: 1 });

    const anonymised = await ok(url, 'POST', `/customer_lists/default/customers/${customer.id}/anonymise`);
    expect(anonymised).toMatchObject({ anonymised: true, email: null, first_name: null, last_name: null });
    // The statistics stay (an order's value is no one's personal data); the person is gone.
    expect(anonymised.nb_orders).toBe(1);
    const events = JSON.stringify(await exportAll(url));
    expect(events).not.toContain(email);
    expect(events).not.toContain(encodeURIComponent(email));
    expect(events).not.toContain('Anouk');
    expect(await ok(url, 'GET', `/customer_lists/default/customers?email=${email}`)).toEqual([]);
    expect((await signedRequest(url, 'GET', `/api/v1/shop/customers/${encodeURIComponent(email)}/`)).status).toBe(404);
  });
});

describe('paging', () => {
  let big: string;
  const made: string[] = [];
  const TOTAL = 1250;
  beforeAll(async () => {
    big = (await ok(url, 'POST', '/location/customer_lists', { name: 'Big list' })).id;
    for (let start = 0; start < TOTAL; start += 25)
      made.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(25, TOTAL - start) }, async (_, i) => (await ok(url, 'POST', `/customer_lists/${big}/customers`, { email: `p${start + i}@paging.example`, phone: `+3361234${String(start + i).padStart(4, '0')}` })).id),
        )),
      );
  }, 120_000);

  it('shows every customer exactly once across pages while others are added (count=100, X-Cursor-Next)', async () => {
    const added: string[] = [];
    const { rows, pages } = await allPages(url, `/customer_lists/${big}/customers?count=100`, {
      onPage: async () => {
        // New customers arrive between pages, in bursts.
        const burst = await Promise.all(Array.from({ length: 5 }, async () => (await ok(url, 'POST', `/customer_lists/${big}/customers`, { email: 'late@paging.example' })).id));
        added.push(...burst);
      },
    });
    const ids = (rows as { id: string }[]).map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => made.includes(id)).sort()).toEqual([...made].sort());
    expect(pages.slice(0, -1).every((size) => size == 100)).toBe(true);
    expect(pages.length).toBeGreaterThanOrEqual(13);
  });

  it('pages an email range and a phone range the same way', async () => {
    const byEmail = await allPages(url, `/customer_lists/${big}/customers?email=p1*&count=50`);
    const expected = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => String(i).startsWith('1')).map((i) => made[i]);
    const emailIds = (byEmail.rows as { id: string }[]).map((row) => row.id);
    expect(emailIds.sort()).toEqual([...expected].sort());
    expect(byEmail.pages.length).toBeGreaterThan(1);
    const byPhone = await allPages(url, `/customer_lists/${big}/customers?phone=%2B33612340*&count=40`);
    expect((byPhone.rows as { id: string }[]).map((row) => row.id).sort()).toEqual(made.slice(0, 1000).sort());
  });

  it('reads a bounded number of rows per page for a leading wildcard: short pages carry a cursor, and every match is found once', async () => {
    const rare = await Promise.all(['x1', 'x2', 'x3'].map(async (name) => (await ok(url, 'POST', `/customer_lists/${big}/customers`, { email: `${name}@rare.example` })).id));
    const first = await hubrise(url, 'GET', `/customer_lists/${big}/customers?email=*@rare.example&count=100`);
    expect(first.status).toBe(200);
    // The matches are the newest customers, beyond the first 1,000 rows read.
    expect(first.body).toEqual([]);
    expect(first.headers.get('x-cursor-next')).toBeTruthy();
    const { rows } = await allPages(url, `/customer_lists/${big}/customers?email=*@rare.example&count=100`);
    expect((rows as { id: string }[]).map((row) => row.id).sort()).toEqual(rare.sort());
  });

  it('refuses a cursor it did not give', async () => {
    expect((await hubrise(url, 'GET', `/customer_lists/${big}/customers?cursor=abc`)).status).toBe(400);
    expect((await hubrise(url, 'GET', `/customer_lists/${big}/customers?cursor=12.eA`)).status).toBe(400);
  });
});
