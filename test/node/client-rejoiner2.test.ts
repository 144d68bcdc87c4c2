/**
 * The server client speaking Rejoiner2 against a real collector, once per version (v1, v2) and
 * credential (signed, bearer token): every Rejoiner2 method with its answer, reads of unknown
 * ids resolving null, the contact iterator over several pages, the base each endpoint goes to,
 * the credential each request carries, REST 1.0 methods refused before any request, and bad
 * credentials answered 403.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRejoinerClient,
  RejoinerApiError,
  RejoinerUnsupportedError,
  type RejoinerAuth,
  type Rejoiner2Client,
  type RejoinerClient,
} from '../../src/node';
import { batchBody, makeEvent, postBeacon, SHOP, startTestCollector, type TestCollector } from '../support/collector';
import { recordingFetch, signedKey, type RecordedRequest } from './recording';

const TOKEN = 'tok_rejoiner2_client_test_00000000';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({ sites: [{ ...SHOP, token: TOKEN }] });
});
afterAll(() => collector.dispose());

const SIGNED: RejoinerAuth = { key: SHOP.key, secret: SHOP.secret };
const BEARER: RejoinerAuth = { token: TOKEN };

describe.each([
  ['v1', 'signed', SIGNED],
  ['v1', 'bearer', BEARER],
  ['v2', 'signed', SIGNED],
  ['v2', 'bearer', BEARER],
] as const)('Rejoiner2 %s, %s', (api, credential, auth) => {
  /** Unique per combination, so that the four share one collector without meeting. */
  const tag = `${api}-${credential}`;
  const email = (name: string): string => `${name}.${tag}@shop.example`;
  let client: Rejoiner2Client;
  let requests: RecordedRequest[];

  beforeAll(() => {
    const recording = recordingFetch();
    requests = recording.requests;
    client = createRejoinerClient({ baseUrl: collector.url, siteId: SHOP.id, api, auth, fetch: recording.fetch });
  });

  it('pings', async () => {
    expect(await client.ping()).toEqual({ status: 'success' });
  });

  it('creates, reads (by id, email and phone) and updates customers; unknown ones read as null', async () => {
    const phone = `+1555010${api == 'v1' ? 1 : 2}${credential == 'signed' ? 1 : 2}00`;
    const created = await client.createCustomer({ email: email('Ann'), first_name: 'Ann', phone, tags: ['new'], metadata: { plan: { tier: 2 } } });
    expect(created).toMatchObject({ email: email('ann'), first_name: 'Ann', phone, tags: ['new'], metadata: { plan: { tier: 2 } } });
    expect(created.id).toEqual(expect.any(String));
    expect(await client.getCustomer(created.id)).toEqual(created);
    expect(await client.getCustomer(email('ann'))).toEqual(created);
    expect(await client.getCustomerByEmail(email('ANN'))).toEqual(created);
    expect(await client.getCustomerByPhone(phone)).toEqual(created);
    const upserted = await client.createCustomer({ email: email('ann'), last_name: 'Lee' });
    expect(upserted).toMatchObject({ id: created.id, first_name: 'Ann', last_name: 'Lee' });
    const updated = await client.updateCustomer(created.id, { email: email('ann'), city: 'Tucson', metadata: { replaced: true } });
    expect(updated).toMatchObject({ id: created.id, city: 'Tucson', metadata: { replaced: true }, journeys_cancelled: false, journeys_cancelled_at: null });
    expect(await client.getCustomer('no-such-id')).toBeNull();
    expect(await client.getCustomer(email('nobody'))).toBeNull();
    expect(await client.getCustomerByEmail(email('nobody'))).toBeNull();
    expect(await client.getCustomerByPhone('+15559999999')).toBeNull();
    await expect(client.updateCustomer('no-such-id', { email: email('nobody') })).rejects.toMatchObject({ status: 404 });
  });

  it('converts (convert, always_convert) and sets the customer flags', async () => {
    const visitor = `v-${tag}`;
    await postBeacon(
      collector.url,
      batchBody([
        makeEvent({ visitor, type: 'customer_email', data: { email: email('buyer'), source: 'api' } }),
        makeEvent({ visitor, type: 'cart_item', order: `order-${tag}`, data: { product_id: 'SKU-1' } }),
      ]),
    );
    expect(await client.customerConvert({ email: email('buyer'), cart_items: [{ product_id: 'SKU-1', item_qty: 1 }] })).toEqual({ converted: 1 });
    expect(await client.customerConvert({ email: email('buyer') })).toEqual({ converted: 0 });
    expect(await client.customerAlwaysConvert({ email: email('buyer'), cart_data: { cart_value: 1200 } })).toEqual({ converted: 0 });
    const cancelled = await client.cancel(email('buyer'));
    expect(cancelled).toMatchObject({ email: email('buyer'), journeys_cancelled: true, journeys_cancelled_at: expect.any(String) });
    expect((await client.unsubscribe(email('buyer'))).is_unsubscribed).toBe(true);
    expect(await client.optIn(email('buyer'), { via: 'footer form', step: 2, checked: true })).toMatchObject({
      is_opted_in: true,
      opt_in_info: { via: 'footer form', step: '2', checked: 'true' },
    });
  });

  it('reads, replaces, adds and removes tags; an unknown customer reads as null', async () => {
    const { id } = await client.createCustomer({ email: email('tagged') });
    expect(await client.getTags(id)).toEqual([]);
    expect(await client.replaceTags(id, ['a', 'b'], { startJourney: false })).toEqual(['a', 'b']);
    expect(await client.addTags(id, ['c'], { startJourney: true })).toEqual(['a', 'b', 'c']);
    expect(await client.removeTags(id, ['a'])).toEqual(['b', 'c']);
    expect(await client.getTags(id)).toEqual(['b', 'c']);
    expect((await client.getCustomer(id))?.tags).toEqual(['b', 'c']);
    expect(await client.getTags('no-such-id')).toBeNull();
    await expect(client.addTags('no-such-id', ['x'])).rejects.toMatchObject({ status: 404, body: '{"error":"customer not found"}' });
    await expect(client.replaceTags(id, [''])).rejects.toMatchObject({ status: 400 });
  });

  it('reads, replaces, adds and removes preference tags by email', async () => {
    expect(await client.getPreferenceTags(email('prefs'))).toBeNull();
    expect(await client.addPreferenceTags(email('prefs'), ['news'])).toEqual(['news']);
    expect(await client.replacePreferenceTags(email('prefs'), ['deals', 'tips'])).toEqual(['deals', 'tips']);
    expect(await client.addPreferenceTags(email('prefs'), ['news'])).toEqual(['deals', 'tips', 'news']);
    expect(await client.removePreferenceTags(email('prefs'), ['deals'])).toEqual(['tips', 'news']);
    expect(await client.getPreferenceTags(email('prefs'))).toEqual(['tips', 'news']);
    expect((await client.getCustomerByEmail(email('prefs')))?.tags).toEqual([]);
    await expect(client.removePreferenceTags(email('nobody'), ['x'])).rejects.toMatchObject({ status: 404 });
  });

  it('creates lists, adds and removes contacts, and pages through them', async () => {
    const list = await client.createList(`Newsletter ${tag}`);
    expect(list).toEqual({ id: expect.any(String), name: `Newsletter ${tag}`, created_at: expect.any(String), contact_count: 0 });
    const lists: string[] = [];
    for await (const each of client.iterateLists({ pageSize: 1 })) lists.push(each.id);
    expect(lists).toContain(list.id);
    expect(new Set(lists).size).toBe(lists.length);
    expect((await client.getLists()).results.map((each) => each.id)).toEqual(lists);

    const added = await client.addListContact(list.id, { email: email('c0'), first_name: 'Zoë', zip: '10115', vip: true });
    expect(added).toEqual({
      created: true,
      contact: { id: expect.any(String), email: email('c0'), first_name: 'Zoë', custom_fields: { zip: '10115', vip: 'true' }, source: 'api', added_at: expect.any(String) },
    });
    expect((await client.addListContact(list.id, { email: email('c0') })).created).toBe(false);
    for (let index = 1; index < 5; index++) await client.addListContact(list.id, { email: email(`c${index}`) });

    const first = await client.getListContacts(list.id, { pageSize: 2 });
    expect(first).toMatchObject({ count: 5, previous: null, next: expect.any(String) });
    expect(first!.results.map((contact) => contact.email)).toEqual([email('c0'), email('c1')]);
    const second = await client.getListContacts(list.id, { next: first!.next! });
    expect(second!.results.map((contact) => contact.email)).toEqual([email('c2'), email('c3')]);
    expect(second!.previous).toEqual(expect.any(String));
    expect((await client.getListContacts(list.id, { page: 3, pageSize: 2 }))!.results.map((contact) => contact.email)).toEqual([email('c4')]);

    const before = requests.length;
    const iterated: string[] = [];
    for await (const contact of client.iterateListContacts(list.id, { pageSize: 2 })) iterated.push(contact.email);
    expect(iterated).toEqual([0, 1, 2, 3, 4].map((index) => email(`c${index}`)));
    // Three pages, each following the cursor of the one before.
    const pages = requests.slice(before).map((request) => request.url.searchParams);
    expect(pages.map((params) => [params.get('page'), params.has('cursor')])).toEqual([
      [null, false],
      ['2', true],
      ['3', true],
    ]);

    await expect(client.removeListContact(list.id, email('c1'))).resolves.toBeUndefined();
    await expect(client.removeListContact(list.id, email('c1'))).rejects.toMatchObject({ status: 404, body: '{"error":"not a contact of this list"}' });
    expect((await client.getListContacts(list.id))!.count).toBe(4);
    expect(await client.getListContacts('no-such-list')).toBeNull();
    const missing = await client.iterateListContacts('no-such-list')[Symbol.asyncIterator]().next().catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(RejoinerApiError);
    expect(missing).toMatchObject({ status: 404 });
  });

  it('annotates a tracked session', async () => {
    const session = `session-${tag}`;
    await postBeacon(collector.url, batchBody([makeEvent({ visitor: `v-${tag}`, session })]));
    const annotated = await client.annotateSession(session, { payment_date: '2025-03-01T10:00:00Z', delivery_date: '2025-03-04', metadata: { carrier: 'DHL', parcels: 2 } });
    expect(annotated).toMatchObject({
      id: session,
      visitor: `v-${tag}`,
      payment_date: '2025-03-01T10:00:00Z',
      fulfillment_date: null,
      delivery_date: '2025-03-04',
      metadata: { carrier: 'DHL', parcels: '2' },
    });
    expect(annotated.first_seen).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(annotated.last_seen)).toBeGreaterThanOrEqual(Date.parse(annotated.first_seen));
    expect(annotated).not.toHaveProperty('site');
    expect((await client.annotateSession(session, { payment_date: null })).payment_date).toBeNull();
    await expect(client.annotateSession('no-such-session', { payment_date: '2025-03-01' })).rejects.toMatchObject({ status: 404 });
    await expect(client.annotateSession(session, { payment_date: 'yesterday' })).rejects.toMatchObject({ status: 400 });
  });

  it('reaches the journey and segment endpoints, which the collector answers 404', async () => {
    await expect(client.triggerJourney('j1', { email: email('journey'), customer_data: { a: 1 } })).rejects.toMatchObject({
      status: 404,
      body: expect.stringContaining('no such journey'),
    });
    await expect(client.resumeJourney('j1', 'n1', { email: email('journey') })).rejects.toMatchObject({ status: 404 });
    expect(await client.getSegmentCustomers('s1')).toBeNull();
  });

  it('streams the export', async () => {
    const { events, nextCursor } = await client.exportEvents({ limit: 1 });
    const seen = [];
    for await (const event of events) seen.push(event);
    expect(seen).toHaveLength(1);
    expect(nextCursor).toEqual(expect.any(String));
  });

  it('sends each endpoint to its base and each request with the credential', () => {
    const bases = new Map<string, string>();
    for (const request of requests) {
      const [, , version, site, ...rest] = request.url.pathname.split('/');
      expect(site).toBe('shop');
      bases.set(`${request.method} ${rest.join('/').replace(/[^/]*[@%][^/]*|[0-9a-f]{24}|no-such-[a-z]+/g, ':id')}`, version);
    }
    // Where Rejoiner documents an endpoint for one version only, it goes there; the rest follow `api`.
    expect(bases.get('GET customers/:id/')).toBe('v1');
    expect(bases.get('PUT customers/:id/')).toBe('v1');
    expect(bases.get('GET customers/by_email/')).toBe('v2');
    expect(bases.get('GET customers/by_phone/')).toBe('v2');
    expect(bases.get('PATCH customers/:id/tags/remove/')).toBe('v2');
    for (const endpoint of ['GET ping/', 'POST customers/', 'POST customer/convert/', 'GET lists/', 'PUT sessions/:id/', 'GET events/'])
      expect([endpoint, bases.get(endpoint)]).toEqual([endpoint, api]);
    for (const request of requests) {
      const authorization = request.headers.get('authorization');
      if (credential == 'bearer') expect(authorization).toBe(`Rejoiner ${TOKEN}`);
      else expect(signedKey({ ...request, authorization }, SHOP.secret)).toBe(SHOP.key);
    }
  });

  it('refuses REST 1.0 methods before any request', async () => {
    // Checked by tsc: a client created with api: 'v1' or 'v2' has no REST 1.0 method in its type.
    // @ts-expect-error convertLead is not a Rejoiner2 method
    void (() => client.convertLead);
    const full = client as RejoinerClient;
    const before = requests.length;
    const error = await full.convertLead({ email: email('lead') }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RejoinerUnsupportedError);
    expect(error).toMatchObject({ operation: 'convertLead', api });
    expect(String((error as Error).message)).toBe(
      `convertLead: POST lead/convert is a REST 1.0 endpoint and this client speaks Rejoiner2 ${api}; create one with api: 'rest1' and auth: { key, secret }`,
    );
    await expect(full.cancelLead(email('lead'))).rejects.toBeInstanceOf(RejoinerUnsupportedError);
    await expect(full.optInLead(email('lead'))).rejects.toBeInstanceOf(RejoinerUnsupportedError);
    await expect(full.unsubscribeLead(email('lead'))).rejects.toBeInstanceOf(RejoinerUnsupportedError);
    await expect(full.addContact({ email: email('lead'), list_id: 'x' })).rejects.toBeInstanceOf(RejoinerUnsupportedError);
    expect(requests.length).toBe(before);
  });

  it('throws RejoinerApiError 403 for a bad credential', async () => {
    const wrong: RejoinerAuth = credential == 'bearer' ? { token: 'tok_not_the_token_of_this_site' } : { key: SHOP.key, secret: 'not-the-secret' };
    const refused = createRejoinerClient({ baseUrl: collector.url, siteId: SHOP.id, api, auth: wrong });
    const error = await refused.getCustomer(email('ann')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RejoinerApiError);
    expect(error).toMatchObject({ status: 403, method: 'GET', path: `/api/v1/shop/customers/${encodeURIComponent(email('ann'))}/` });
    await expect(refused.ping()).rejects.toMatchObject({ status: 403 });
    const otherSite = createRejoinerClient({ baseUrl: collector.url, siteId: 'other', api, auth });
    await expect(otherSite.ping()).rejects.toMatchObject({ status: 403 });
  });
});
