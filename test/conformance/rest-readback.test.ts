/**
 * Each REST write, read back the way a client would see its effect (REJOINER-API.md "One model
 * under both"): tags, preference tags, list contacts, unsubscribe, opt-in, journey cancellation,
 * a phone from a beacon, `subscribeToList` beacons, REST 1.0 `contact_add`, conversions, profile
 * updates and session annotations; and v1 and v2 answering the same data.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { authorizationHeader } from '../../src/node/sign';
import type { WireEvent } from '../../src/protocol/types';
import {
  batchBody,
  makeEvent,
  OTHER,
  postBeacon,
  readInspectorSnapshot,
  SHOP,
  startTestCollector,
  testEngine,
  type TestCollector,
} from '../support/collector';

const TOKEN = 'shop_readback_token_0123456789ab';
const SITE = { ...SHOP, token: TOKEN };

/** Bearer credentials configured: the dashboard is closed, so read-backs go through the API. */
let collector: TestCollector;
/** No token anywhere: the inspector is open to loopback, for what the REST API cannot read (orders, sessions). */
let plain: TestCollector;

beforeAll(async () => {
  [collector, plain] = await Promise.all([startTestCollector({ sites: [SITE, OTHER] }), startTestCollector()]);
});
afterAll(async () => {
  await collector?.dispose();
  await plain?.dispose();
});

interface Answer {
  status: number;
  raw: string;
  json: any;
}

type Gen = 'rest1' | 'v1' | 'v2';
const base = (gen: Gen): string => (gen == 'rest1' ? '/api/1.0/site/shop/' : `/api/${gen}/shop/`);
const enc = encodeURIComponent;
const isoDate = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/);

/** A signed request (full path) to `on` (default: the collector with tokens). */
async function call(method: string, path: string, body?: unknown, on: () => TestCollector = () => collector): Promise<Answer> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = { authorization: authorizationHeader(SHOP.key, SHOP.secret, method, path, text) };
  if (method != 'GET') headers['content-type'] = 'application/json';
  const response = await fetch(on().url + path, { method, headers, body: method == 'GET' ? undefined : text });
  const raw = await response.text();
  let json: unknown;
  try {
    json = raw ? JSON.parse(raw) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, raw, json };
}

/** A call that must succeed (2xx); answers its JSON. */
async function ok(method: string, path: string, body?: unknown, on?: () => TestCollector): Promise<any> {
  const answer = await call(method, path, body, on);
  expect(answer.status, `${method} ${path}: ${answer.raw}`).toBeGreaterThanOrEqual(200);
  expect(answer.status, `${method} ${path}: ${answer.raw}`).toBeLessThan(300);
  return answer.json;
}

const customerByEmail = (email: string, gen: Gen = 'v2') => ok('GET', `${base(gen)}customers/by_email/?email=${enc(email)}`);

/** Follows `next` from the first page (signed each time) and gives every result in order. */
async function allPages(path: string, on: () => TestCollector = () => collector): Promise<any[]> {
  const results: any[] = [];
  let url: string | null = on().url + path;
  for (let pages = 0; url && pages < 1000; pages++) {
    const target: string = url.slice(url.indexOf('/', url.indexOf('//') + 2));
    const page = await ok('GET', target, undefined, on);
    results.push(...page.results);
    url = page.next;
  }
  return results;
}

/** Posts beacon events and expects every one accepted. */
async function beacon(events: WireEvent[], on: () => TestCollector = () => collector): Promise<void> {
  const response = await postBeacon(on().url, batchBody(events));
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ accepted: events.length, rejected: [] });
}

/** Events of one visitor with growing seq, like the library sends them. */
function visitor(name: string, order: string | null = null) {
  let seq = 0;
  return (type: WireEvent['type'], data: object): WireEvent =>
    makeEvent({ type, data: data as never, visitor: name, session: `${name}-session`, order, seq: ++seq, ts: 1763700000000 + seq * 1000 });
}

describe('tags', () => {
  it.each([
    ['v1', 'v2'],
    ['v2', 'v1'],
  ] as const)('a tag added on %s is in the tags read on %s, and a tag removed is gone', async (write, read) => {
    const email = `tags.${write}@shop.example`;
    const { id } = await ok('POST', `${base(write)}customers/`, { email, tags: ['existing'] });
    await ok('PATCH', `${base(write)}customers/${id}/tags/`, { tags: ['added'] });
    expect((await ok('GET', `${base(read)}customers/${id}/tags/`)).tags.sort()).toEqual(['added', 'existing']);
    expect((await customerByEmail(email, read)).tags.sort()).toEqual(['added', 'existing']);
    await ok('PATCH', `${base(write)}customers/${id}/tags/remove/`, { tags: ['existing'] });
    expect((await ok('GET', `${base(read)}customers/${id}/tags/`)).tags).toEqual(['added']);
    await ok('PUT', `${base(write)}customers/${id}/tags/`, { tags: ['only'] });
    expect((await ok('GET', `${base(read)}customers/${id}/tags/`)).tags).toEqual(['only']);
  });

  it('keeps preference tags apart from tags, and reads them back by email', async () => {
    const email = 'prefs@shop.example';
    const { id } = await ok('POST', '/api/v2/shop/customers/', { email, tags: ['vip'] });
    const path = `customers/preference_tags/by_email/?email=${enc(email)}`;
    await ok('PUT', `/api/v2/shop/${path}`, { preference_tags: ['news', 'deals'] });
    await ok('PATCH', `/api/v1/shop/${path}`, { preference_tags: ['events'] });
    await ok('PATCH', `/api/v2/shop/customers/preference_tags/remove/by_email/?email=${enc(email)}`, { preference_tags: ['deals'] });
    for (const gen of ['v1', 'v2'] as const) {
      expect((await ok('GET', `${base(gen)}${path}`)).preference_tags.sort()).toEqual(['events', 'news']);
      expect((await ok('GET', `${base(gen)}customers/${id}/tags/`)).tags).toEqual(['vip']);
    }
  });

  it('gives a preference set for an email not seen before a customer that reads back', async () => {
    const email = 'first.pref@shop.example';
    await ok('PUT', `/api/v2/shop/customers/preference_tags/by_email/?email=${enc(email)}`, { preference_tags: ['weekly'] });
    expect(await ok('GET', `/api/v2/shop/customers/preference_tags/by_email/?email=${enc(email)}`)).toEqual({ preference_tags: ['weekly'] });
    expect((await customerByEmail(email)).email).toBe(email);
  });
});

describe('customer flags', () => {
  const WAYS: [name: string, gen: Gen, action: 'unsubscribe' | 'opt_in' | 'cancel', path: string][] = [
    ['REST 1.0 lead/unsubscribe', 'rest1', 'unsubscribe', 'lead/unsubscribe'],
    ['v1 customer/unsubscribe/', 'v1', 'unsubscribe', 'customer/unsubscribe/'],
    ['v2 customer/unsubscribe/', 'v2', 'unsubscribe', 'customer/unsubscribe/'],
    ['REST 1.0 lead/opt_in', 'rest1', 'opt_in', 'lead/opt_in'],
    ['v1 customer/opt_in/', 'v1', 'opt_in', 'customer/opt_in/'],
    ['v2 customer/opt_in/', 'v2', 'opt_in', 'customer/opt_in/'],
    ['REST 1.0 lead/cancel', 'rest1', 'cancel', 'lead/cancel'],
    ['v1 customer/cancel/', 'v1', 'cancel', 'customer/cancel/'],
    ['v2 customer/cancel/', 'v2', 'cancel', 'customer/cancel/'],
  ];

  it.each(WAYS)('%s shows in the customer read on v1 and v2', async (_name, gen, action, path) => {
    const email = `flag.${action}.${gen}@shop.example`;
    const before = await ok('POST', '/api/v2/shop/customers/', { email, first_name: 'Flag' });
    expect(before).toMatchObject({ is_unsubscribed: false, unsubscribe_date: null, is_opted_in: false, opt_in_date: null, opt_in_info: {} });
    expect(before.journeys_cancelled).toBe(false);
    const extra = { type: 'accepts marketing checkbox', otherInfo: 'accepted marketing on checkout page', count: 3, agreed: true };
    await ok('POST', base(gen) + path, action == 'opt_in' ? { email, ...extra } : { email });
    for (const read of ['v1', 'v2'] as const) {
      const customer = read == 'v1' ? await ok('GET', `/api/v1/shop/customers/${enc(email)}/`) : await customerByEmail(email);
      expect(customer.id).toBe(before.id);
      if (action == 'unsubscribe') expect(customer).toMatchObject({ is_unsubscribed: true, unsubscribe_date: isoDate });
      if (action == 'opt_in')
        expect(customer).toMatchObject({
          is_opted_in: true,
          opt_in_date: isoDate,
          opt_in_info: { type: 'accepts marketing checkbox', otherInfo: 'accepted marketing on checkout page', count: '3', agreed: 'true' },
        });
      if (action == 'cancel') expect(customer).toMatchObject({ journeys_cancelled: true, journeys_cancelled_at: isoDate });
      // Nothing else changed.
      expect(customer.first_name).toBe('Flag');
      if (action != 'unsubscribe') expect(customer.is_unsubscribed).toBe(false);
      if (action != 'opt_in') expect(customer.is_opted_in).toBe(false);
      if (action != 'cancel') expect(customer.journeys_cancelled).toBe(false);
    }
  });

  it('creates the customer of a flag sent for an email not seen before', async () => {
    await ok('POST', '/api/1.0/site/shop/lead/unsubscribe', { email: 'never.seen@shop.example' });
    expect(await customerByEmail('never.seen@shop.example')).toMatchObject({ email: 'never.seen@shop.example', is_unsubscribed: true });
  });
});

describe('customer profiles', () => {
  it('a v1 PUT by email and a v2 upsert by POST both read back on either version', async () => {
    const email = 'profile@shop.example';
    const created = await call('POST', '/api/v2/shop/customers/', { email, first_name: 'Pat', metadata: { a: '1', b: '2' } });
    expect(created.status).toBe(201);
    const put = await ok('PUT', `/api/v1/shop/customers/${enc(email)}/`, { email, city: 'Tucson', metadata: { c: '3' } });
    expect(put).toMatchObject({ id: created.json.id, first_name: 'Pat', city: 'Tucson', metadata: { c: '3' } });
    const upsert = await call('POST', '/api/v2/shop/customers/', { email, last_name: 'Lewis' });
    expect(upsert.status).toBe(200);
    expect(upsert.json.id).toBe(created.json.id);
    for (const gen of ['v1', 'v2'] as const) {
      const read = await ok('GET', `${base(gen)}customers/${created.json.id}/`);
      expect(read).toMatchObject({ email, first_name: 'Pat', last_name: 'Lewis', city: 'Tucson', metadata: { c: '3' } });
      expect(read.metadata).toEqual({ c: '3' });
    }
  });
});

describe('phones from beacons', () => {
  it.each([
    ['+1 (555) 010-2030', '+15550102030', 'phone.us@shop.example'],
    ['00358 40 123 4567', '+358401234567', 'phone.fi@shop.example'],
  ])('customer_data {phone: %j} makes customers/by_phone/?phone=%s find the customer', async (given, e164, email) => {
    const event = visitor(`v-${email}`);
    await beacon([event('customer_email', { email, source: 'form' }), event('customer_data', { phone: given })]);
    for (const gen of ['v1', 'v2'] as const) {
      const answer = await call('GET', `${base(gen)}customers/by_phone/?phone=${enc(e164)}`);
      expect(answer.status, answer.raw).toBe(200);
      expect(answer.json.email).toBe(email);
      expect(answer.json.id).toBe((await customerByEmail(email)).id);
    }
  });
});

describe('lists and contacts', () => {
  it('a contact removed is gone from the paged list (and from its count), the others are all still there', async () => {
    const list = await ok('POST', '/api/v2/shop/lists/', { name: 'Removal' });
    const emails = Array.from({ length: 7 }, (_, index) => `removal.${index}@shop.example`);
    for (const email of emails) expect((await call('POST', `/api/v1/shop/lists/${list.id}/contacts/`, { email })).status).toBe(201);
    expect(await ok('POST', `/api/v1/shop/lists/${list.id}/contacts/remove/`, { email: emails[3] })).toBeDefined();
    for (const gen of ['v1', 'v2'] as const) {
      const contacts = await allPages(`${base(gen)}lists/${list.id}/contacts/?page_size=2`);
      expect(contacts.map((contact) => contact.email).sort()).toEqual(emails.filter((_, index) => index != 3).sort());
      const first = await ok('GET', `${base(gen)}lists/${list.id}/contacts/?page_size=2`);
      expect(first.count).toBe(6);
      const lists = await allPages(`${base(gen)}lists/`);
      expect(lists.find((entry) => entry.id == list.id)?.contact_count).toBe(6);
    }
    const again = await call('POST', `/api/v2/shop/lists/${list.id}/contacts/remove/`, { email: emails[3] });
    expect(again.status).toBe(404);
  });

  it('removing a contact keeps the customer', async () => {
    const list = await ok('POST', '/api/v2/shop/lists/', { name: 'Keep customers' });
    await ok('POST', `/api/v2/shop/lists/${list.id}/contacts/`, { email: 'kept@shop.example', first_name: 'Kept' });
    await ok('POST', `/api/v2/shop/lists/${list.id}/contacts/remove/`, { email: 'kept@shop.example' });
    expect(await customerByEmail('kept@shop.example')).toMatchObject({ email: 'kept@shop.example', first_name: 'Kept' });
  });

  it('a subscribeToList beacon is a list membership visible in lists/{id}/contacts/ (and the list in lists/)', async () => {
    const event = visitor('v-subscriber');
    await beacon([event('list_subscription', { email: 'Subscriber@Shop.Example', list_id: 'beacon-newsletter', first_name: 'Sue' })]);
    for (const gen of ['v1', 'v2'] as const) {
      const contacts = await allPages(`${base(gen)}lists/beacon-newsletter/contacts/`);
      expect(contacts).toEqual([expect.objectContaining({ email: 'subscriber@shop.example', first_name: 'Sue' })]);
      expect(contacts[0].id).toBe((await customerByEmail('subscriber@shop.example')).id);
      const lists = await allPages(`${base(gen)}lists/`);
      expect(lists).toContainEqual(expect.objectContaining({ id: 'beacon-newsletter', name: 'beacon-newsletter', contact_count: 1 }));
    }
    const rest1 = await allPages('/api/1.0/site/shop/lists');
    expect(rest1).toContainEqual(expect.objectContaining({ id: 'beacon-newsletter', contact_count: 1 }));
  });

  it.each([
    ['a string', 'rest1-newsletter', 'rest1-newsletter'],
    ['a number', 4242, '4242'],
  ])('REST 1.0 contact_add with an unknown list_id (%s) creates the list named after its id', async (_kind, listId, id) => {
    const email = `contact.add.${id}@shop.example`;
    const answer = await call('POST', '/api/1.0/site/shop/contact_add', { email, list_id: listId, first_name: 'Ada' });
    expect([200, 201]).toContain(answer.status);
    expect(answer.raw).toBe('');
    for (const path of ['/api/1.0/site/shop/lists', '/api/v1/shop/lists/', '/api/v2/shop/lists/'])
      expect(await allPages(path)).toContainEqual(expect.objectContaining({ id, name: id, contact_count: 1, created_at: isoDate }));
    for (const gen of ['v1', 'v2'] as const)
      expect(await allPages(`${base(gen)}lists/${enc(id)}/contacts/`)).toEqual([
        expect.objectContaining({ email, first_name: 'Ada', added_at: isoDate }),
      ]);
  });

  it('contact_add, lists/{id}/contacts/ and subscribeToList make one membership', async () => {
    const email = 'one.membership@shop.example';
    const first = await call('POST', '/api/1.0/site/shop/contact_add', { email, list_id: 'shared-list' });
    expect([200, 201]).toContain(first.status);
    const second = await call('POST', '/api/v2/shop/lists/shared-list/contacts/', { email });
    expect(second.status).toBe(200);
    const again = await call('POST', '/api/1.0/site/shop/contact_add', { email, list_id: 'shared-list' });
    expect(again.status).toBe(200);
    const event = visitor('v-shared');
    await beacon([event('list_subscription', { email, list_id: 'shared-list' })]);
    const contacts = await allPages('/api/v2/shop/lists/shared-list/contacts/');
    expect(contacts.map((contact) => contact.email)).toEqual([email]);
    expect((await allPages('/api/v2/shop/lists/')).find((list) => list.id == 'shared-list')?.contact_count).toBe(1);
  });

  it('keeps the other fields of a contact as its custom_fields, as strings', async () => {
    const list = await ok('POST', '/api/v2/shop/lists/', { name: 'Custom fields' });
    const added = await call('POST', `/api/v2/shop/lists/${list.id}/contacts/`, { email: 'custom@shop.example', first_name: 'Cy', plan: 'gold', seats: 3, trial: false });
    expect(added.status).toBe(201);
    expect(added.json.custom_fields).toEqual({ plan: 'gold', seats: '3', trial: 'false' });
    const [contact] = await allPages(`/api/v1/shop/lists/${list.id}/contacts/`);
    expect(contact).toMatchObject({ email: 'custom@shop.example', first_name: 'Cy', custom_fields: { plan: 'gold', seats: '3', trial: 'false' } });
  });
});

describe('sites are apart', () => {
  it("another site's customers, tags, lists and sessions are unknown ids here (404), and its writes do not show", async () => {
    const sign = (method: string, path: string, text: string) => authorizationHeader(OTHER.key, OTHER.secret, method, path, text);
    const asOther = async (method: string, path: string, body?: unknown) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      const response = await fetch(collector.url + path, { method, headers: { 'content-type': 'application/json', authorization: sign(method, path, text) }, body: method == 'GET' ? undefined : text });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
      return response.json();
    };
    const theirs = await asOther('POST', '/api/v2/other/customers/', { email: 'shared.person@shop.example', tags: ['other-tag'] });
    const list = await asOther('POST', '/api/v2/other/lists/', { name: 'Theirs' });
    await asOther('POST', `/api/v2/other/lists/${list.id}/contacts/`, { email: 'shared.person@shop.example' });
    const beaconAnswer = await postBeacon(collector.url, batchBody([makeEvent({ session: 'other-site-session', visitor: 'other-site-visitor' })], 'other'), { site: 'other', origin: 'https://other.example' });
    expect(beaconAnswer.status).toBe(200);
    for (const [method, path, body] of [
      ['GET', `/api/v2/shop/customers/${theirs.id}/`],
      ['GET', `/api/v2/shop/customers/${theirs.id}/tags/`],
      ['GET', `/api/v2/shop/customers/by_email/?email=${enc('shared.person@shop.example')}`],
      ['GET', `/api/v2/shop/lists/${list.id}/contacts/`],
      ['POST', `/api/v2/shop/lists/${list.id}/contacts/`, { email: 'someone@shop.example' }],
      ['PUT', '/api/v2/shop/sessions/other-site-session/', { payment_date: '2024-05-01' }],
    ] as [string, string, unknown?][]) {
      const answer = await call(method, path, body);
      expect(answer.status, `${method} ${path}: ${answer.raw}`).toBe(404);
    }
    expect((await allPages('/api/v2/shop/lists/')).map((entry) => entry.id)).not.toContain(list.id);
  });
});

describe('list ids as shops name them', () => {
  it('a REST 1.0 list_id with spaces and a slash is readable at lists/{percent-encoded id}/contacts/', async () => {
    const id = 'Spring Sale/2024';
    const answer = await call('POST', '/api/1.0/site/shop/contact_add', { email: 'spring@shop.example', list_id: id });
    expect([200, 201]).toContain(answer.status);
    const contacts = await allPages(`/api/v2/shop/lists/${enc(id)}/contacts/?page_size=1`);
    expect(contacts.map((contact) => contact.email)).toEqual(['spring@shop.example']);
    expect(await ok('POST', `/api/v1/shop/lists/${enc(id)}/contacts/remove/`, { email: 'spring@shop.example' })).toBeDefined();
    expect(await allPages(`/api/v2/shop/lists/${enc(id)}/contacts/`)).toEqual([]);
  });
});

describe('concurrent writes of one record (clients retry, plugins fire twice)', () => {
  it('the same contact added 8 times at once: one 201, the others 200, one contact in the listing and its count', async () => {
    const list = await ok('POST', '/api/v2/shop/lists/', { name: 'Racing adds' });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => call('POST', `${base(index % 2 ? 'v1' : 'v2')}lists/${list.id}/contacts/`, { email: 'twice@shop.example' })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const page = await ok('GET', `/api/v2/shop/lists/${list.id}/contacts/`);
    expect({ count: page.count, emails: page.results.map((contact: any) => contact.email) }).toEqual({ count: 1, emails: ['twice@shop.example'] });
  });

  it('REST 1.0 contact_add of 8 emails at once to a list not yet known: one list, all 8 contacts', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => call('POST', '/api/1.0/site/shop/contact_add', { email: `racer.${index}@shop.example`, list_id: 'racing-list' })));
    for (const answer of answers) expect([200, 201]).toContain(answer.status);
    const lists = (await allPages('/api/v2/shop/lists/')).filter((entry) => entry.id == 'racing-list');
    expect(lists).toEqual([expect.objectContaining({ id: 'racing-list', contact_count: 8 })]);
    expect((await allPages('/api/v2/shop/lists/racing-list/contacts/')).map((contact) => contact.email).sort()).toEqual(
      Array.from({ length: 8 }, (_, index) => `racer.${index}@shop.example`).sort(),
    );
  });

  it('10 tag additions at once on one customer: none is lost', async () => {
    const { id } = await ok('POST', '/api/v2/shop/customers/', { email: 'many.tags@shop.example' });
    await Promise.all(Array.from({ length: 10 }, (_, index) => ok('PATCH', `/api/v2/shop/customers/${id}/tags/`, { tags: [`t${index}`] })));
    expect((await ok('GET', `/api/v1/shop/customers/${id}/tags/`)).tags.sort()).toEqual(Array.from({ length: 10 }, (_, index) => `t${index}`).sort());
  });

  it('the same new customer created 8 times at once: one 201, one customer', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => call('POST', '/api/v2/shop/customers/', { email: 'created.twice@shop.example' })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((answer) => answer.json.id)).size).toBe(1);
  });
});

describe('v1 and v2 answer the same data', () => {
  it('for customers, tags, preference tags, lists and contacts', async () => {
    const email = 'same.data@shop.example';
    const { id } = await ok('POST', '/api/v2/shop/customers/', { email, first_name: 'Sam', tags: ['t1'], metadata: { k: 'v' } });
    await ok('PUT', `/api/v2/shop/customers/preference_tags/by_email/?email=${enc(email)}`, { preference_tags: ['p1'] });
    const list = await ok('POST', '/api/v1/shop/lists/', { name: 'Same data' });
    await ok('POST', `/api/v1/shop/lists/${list.id}/contacts/`, { email, first_name: 'Sam' });
    const paths = [
      `customers/${id}/`,
      `customers/${enc(email)}/`,
      `customers/by_email/?email=${enc(email)}`,
      `customers/${id}/tags/`,
      `customers/preference_tags/by_email/?email=${enc(email)}`,
      'lists/',
      `lists/${list.id}/contacts/`,
    ];
    for (const path of paths) {
      const [one, two] = [await ok('GET', `/api/v1/shop/${path}`), await ok('GET', `/api/v2/shop/${path}`)];
      // Paged answers link to their own version; everything else is the same.
      const strip = (value: any) => (value && 'results' in value ? { ...value, next: value.next && 'link', previous: value.previous && 'link' } : value);
      expect(strip(one), path).toEqual(strip(two));
    }
    expect(await ok('GET', `/api/v1/shop/customers/${id}/`)).toMatchObject({ id, email, first_name: 'Sam', tags: ['t1'], metadata: { k: 'v' } });
  });
});

describe('conversions and sessions (read through the inspector)', () => {
  const orders = async () => (await readInspectorSnapshot(plain.url)).orders;

  it('REST 1.0 lead/convert converts every open order of the email; customer/convert/ then has nothing left', async () => {
    const email = 'buyer@shop.example';
    const first = visitor('v-buyer-1', 'order-buyer-1');
    const second = visitor('v-buyer-2', 'order-buyer-2');
    await beacon(
      [
        first('customer_email', { email, source: 'form' }),
        first('cart_data', { cart_value: 1000, cart_item_count: 1 }),
        second('customer_email', { email, source: 'form' }),
        second('cart_data', { cart_value: 2000, cart_item_count: 2 }),
      ],
      () => plain,
    );
    const open = (await orders()).filter((order) => order.email == email);
    expect(open.map((order) => order.status)).toEqual(['open', 'open']);
    const answer = await call('POST', '/api/1.0/site/shop/lead/convert', { email, campaign_type: 'abandonment' }, () => plain);
    expect(answer.status).toBe(200);
    expect(answer.raw).toBe('');
    const after = (await orders()).filter((order) => order.email == email);
    expect(after).toHaveLength(2);
    for (const order of after) expect(order).toMatchObject({ status: 'converted', converted_by: 'api' });
    expect(await ok('POST', '/api/v2/shop/customer/convert/', { email }, () => plain)).toEqual({ converted: 0 });
  });

  it('v1/v2 customer/convert/ converts the latest open order only', async () => {
    const email = 'latest.buyer@shop.example';
    const older = visitor('v-latest-1', 'order-latest-1');
    const newer = visitor('v-latest-2', 'order-latest-2');
    await beacon([older('customer_email', { email, source: 'form' }), older('cart_data', { cart_value: 1000 })], () => plain);
    await beacon([newer('customer_email', { email, source: 'form' }), newer('cart_data', { cart_value: 3000 })], () => plain);
    expect(await ok('POST', '/api/v1/shop/customer/convert/', { email }, () => plain)).toEqual({ converted: 1 });
    const byId = new Map((await orders()).map((order) => [order.id, order]));
    expect(byId.get('order-latest-2')).toMatchObject({ status: 'converted' });
    expect(byId.get('order-latest-1')).toMatchObject({ status: 'open' });
    expect(await ok('POST', '/api/v2/shop/customer/convert/', { email }, () => plain)).toEqual({ converted: 1 });
    expect((await orders()).find((order) => order.id == 'order-latest-1')).toMatchObject({ status: 'converted' });
  });

  it('customer/always_convert/ records a converted order even when nothing is open', async () => {
    const email = 'walk.in@shop.example';
    await ok('POST', '/api/v2/shop/customer/always_convert/', { email }, () => plain);
    const mine = (await orders()).filter((order) => order.email == email);
    expect(mine).toEqual([expect.objectContaining({ status: 'converted', converted_by: 'api' })]);
  });

  it('PUT sessions/{id}/ annotations merge: a later PUT keeps the earlier dates and metadata keys', async () => {
    const event = visitor('v-annotated');
    await beacon([event('page_view', { url: 'https://shop.example/', title: 'Home', referrer: '' })], () => plain);
    const session = 'v-annotated-session';
    const first = await ok('PUT', `/api/v2/shop/sessions/${session}/`, { payment_date: '2024-05-01T10:00:00.000Z', metadata: { carrier: 'UPS' } }, () => plain);
    expect(first).toMatchObject({ id: session, payment_date: expect.stringMatching(/^2024-05-01T10:00/), metadata: { carrier: 'UPS' } });
    const second = await ok('PUT', `/api/v1/shop/sessions/${session}/`, { delivery_date: '2024-05-03', metadata: { tracking: 'Z1' } }, () => plain);
    expect(second).toMatchObject({
      id: session,
      payment_date: expect.stringMatching(/^2024-05-01T10:00/),
      delivery_date: expect.stringMatching(/^2024-05-03/),
      metadata: { carrier: 'UPS', tracking: 'Z1' },
    });
    const cleared = await ok('PUT', `/api/v2/shop/sessions/${session}/`, { payment_date: null }, () => plain);
    expect(cleared.payment_date).toBeNull();
  });
});

describe('read-your-writes while another transaction is open on the database server', () => {
  // Another application's transaction on the same server (PostgreSQL: another database; SQLite: a reader of this file).
  it('a contact added (201) is in lists/{id}/contacts/ and agrees with its count, even while an unrelated write transaction is open', async () => {
    const list = await ok('POST', '/api/v2/shop/lists/', { name: 'Read your writes' });
    const release = await holdTransaction();
    try {
      const added = await call('POST', `/api/v2/shop/lists/${list.id}/contacts/`, { email: 'fresh@shop.example' });
      expect(added.status).toBe(201);
      const page = await ok('GET', `/api/v2/shop/lists/${list.id}/contacts/`);
      expect({ count: page.count, emails: page.results.map((contact: any) => contact.email) }).toEqual({ count: 1, emails: ['fresh@shop.example'] });
    } finally {
      await release();
    }
  });

  it('a list created (201) is in lists/, even while an unrelated write transaction is open', async () => {
    const release = await holdTransaction();
    try {
      const created = await call('POST', '/api/v2/shop/lists/', { name: 'Fresh list' });
      expect(created.status).toBe(201);
      const lists = await allPages('/api/v1/shop/lists/');
      expect(lists.map((entry) => entry.id)).toContain(created.json.id);
    } finally {
      await release();
    }
  });
});

/** Opens a transaction that has written (so it holds an id) outside the collector; resolves its release. */
async function holdTransaction(): Promise<() => Promise<void>> {
  if (testEngine() == 'postgres') {
    const client = new pg.Client(inject('postgresUrl'));
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT pg_current_xact_id()');
    return async () => {
      await client.query('ROLLBACK');
      await client.end();
    };
  }
  const db = new Database(collector.dbPath);
  db.prepare('BEGIN').run();
  db.prepare('SELECT count(*) FROM sqlite_master').get();
  return async () => {
    db.prepare('ROLLBACK').run();
    db.close();
  };
}
