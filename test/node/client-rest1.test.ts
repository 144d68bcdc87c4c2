/**
 * The server client speaking REST 1.0 (`api: 'rest1'`, signed) against a real collector: every
 * REST 1.0 endpoint, paging of `lists`, what a Rejoiner2 method does on such a client (rejects
 * before any request), and a bad credential.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRejoinerClient, RejoinerApiError, RejoinerUnsupportedError, type Rejoiner2Client, type RejoinerClient, type Rest1Client } from '../../src/node';
import { batchBody, makeEvent, postBeacon, readInspectorSnapshot, SHOP, startTestCollector, type TestCollector } from '../support/collector';
import { recordingFetch, signedKey } from './recording';

let collector: TestCollector;
let client: Rest1Client;
/** Reads back what REST 1.0 cannot read (it has no customer read). */
let reader: Rejoiner2Client;
const { fetch: recording, requests } = recordingFetch();

beforeAll(async () => {
  collector = await startTestCollector();
  client = createRejoinerClient({ baseUrl: collector.url, siteId: SHOP.id, api: 'rest1', auth: { key: SHOP.key, secret: SHOP.secret }, fetch: recording });
  reader = createRejoinerClient({ baseUrl: collector.url, siteId: SHOP.id, auth: { key: SHOP.key, secret: SHOP.secret } });
});
afterAll(() => collector.dispose());

describe("createRejoinerClient({ api: 'rest1' })", () => {
  it('converts every open order of a lead (lead/convert), with an empty 200', async () => {
    const order = (id: string, visitor: string) => [
      makeEvent({ visitor, type: 'customer_email', data: { email: 'lead@shop.example', source: 'api' } }),
      makeEvent({ visitor, type: 'cart_item', order: id, data: { product_id: 'SKU-1' } }),
    ];
    await postBeacon(collector.url, batchBody([...order('rest1-a', 'v-rest1-a'), ...order('rest1-b', 'v-rest1-b')]));
    await expect(client.convertLead({ email: 'Lead@shop.example', campaign_type: 'abandonment', cart_data: { cart_value: 500 } })).resolves.toBeUndefined();
    const orders = (await readInspectorSnapshot(collector.url)).orders.filter((stored) => String(stored.id).startsWith('rest1-'));
    expect(orders).toHaveLength(2);
    for (const stored of orders) expect(stored).toMatchObject({ status: 'converted', converted_by: 'api', campaign_type: 'abandonment' });
  });

  it('cancels, opts in and unsubscribes a lead', async () => {
    await expect(client.cancelLead('flags@shop.example')).resolves.toBeUndefined();
    await expect(client.optInLead('flags@shop.example', { via: 'checkout box', at: 3 })).resolves.toBeUndefined();
    expect(await reader.getCustomerByEmail('flags@shop.example')).toMatchObject({
      journeys_cancelled: true,
      journeys_cancelled_at: expect.any(String),
      is_opted_in: true,
      opt_in_info: { via: 'checkout box', at: '3' },
    });
    await expect(client.unsubscribeLead('flags@shop.example')).resolves.toBeUndefined();
    expect((await reader.getCustomerByEmail('flags@shop.example'))?.is_unsubscribed).toBe(true);
  });

  it('adds contacts (contact_add), creating a list the site does not have yet', async () => {
    await expect(client.addContact({ email: 'first@shop.example', list_id: 'rest1-news', first_name: 'Ann', zip: '10115' })).resolves.toBeUndefined();
    await expect(client.addContact({ email: 'first@shop.example', list_id: 'rest1-news' })).resolves.toBeUndefined();
    await expect(client.addContact({ email: 'second@shop.example', list_id: 'rest1-news' })).resolves.toBeUndefined();
    const lists = await client.getLists();
    expect(lists.results.find((list) => list.id == 'rest1-news')).toEqual({
      id: 'rest1-news',
      name: 'rest1-news',
      created_at: expect.any(String),
      contact_count: 2,
    });
    const contacts = await reader.getListContacts('rest1-news');
    expect(contacts?.results.find((contact) => contact.email == 'first@shop.example')).toMatchObject({ first_name: 'Ann', custom_fields: { zip: '10115' } });
  });

  it('pages the lists and iterates over all of them', async () => {
    for (const id of ['rest1-l1', 'rest1-l2', 'rest1-l3']) await client.addContact({ email: 'pager@shop.example', list_id: id });
    const all = (await client.getLists({ pageSize: 500 })).results.map((list) => list.id);
    expect(all).toEqual(expect.arrayContaining(['rest1-news', 'rest1-l1', 'rest1-l2', 'rest1-l3']));
    const first = await client.getLists({ pageSize: 2 });
    expect(first).toMatchObject({ count: all.length, previous: null, next: expect.stringContaining('/api/1.0/site/shop/lists?') });
    const second = await client.getLists({ next: first.next! });
    expect(second.results.map((list) => list.id)).toEqual(all.slice(2, 4));
    expect((await client.getLists({ page: 2, pageSize: 2 })).results).toEqual(second.results);
    const iterated: string[] = [];
    for await (const list of client.iterateLists({ pageSize: 1 })) iterated.push(list.id);
    expect(iterated).toEqual(all);
    const target = requests.at(-1)!.target;
    expect(target).toMatch(/^\/api\/1\.0\/site\/shop\/lists\?page_size=1&page=\d+&cursor=/);
  });

  it('signs every request over the exact target and body it sent', () => {
    expect(requests.length).toBeGreaterThan(10);
    for (const request of requests) expect(signedKey({ ...request, authorization: request.headers.get('authorization') }, SHOP.secret)).toBe(SHOP.key);
    expect(requests.every((request) => request.url.pathname.startsWith('/api/1.0/site/shop/'))).toBe(true);
  });

  it('rejects a Rejoiner2 method before any request', async () => {
    // Checked by tsc: a client created with api: 'rest1' has no Rejoiner2 method in its type.
    // @ts-expect-error getCustomer is not a REST 1.0 method
    void (() => client.getCustomer);
    const full = client as RejoinerClient;
    const before = requests.length;
    const error = await full.getCustomer('lead@shop.example').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RejoinerUnsupportedError);
    expect(error).toMatchObject({ operation: 'getCustomer', api: 'rest1' });
    expect(String((error as Error).message)).toContain("is a Rejoiner2 endpoint and this client speaks REST 1.0; create one with api: 'v2'");
    await expect(full.ping()).rejects.toBeInstanceOf(RejoinerUnsupportedError);
    await expect(full.cancel('x@shop.example')).rejects.toBeInstanceOf(RejoinerUnsupportedError);
    await expect(full.exportEvents()).rejects.toBeInstanceOf(RejoinerUnsupportedError);
    await expect(full.iterateListContacts('rest1-news')[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(RejoinerUnsupportedError);
    expect(requests.length).toBe(before);
  });

  it('refuses a bearer token: REST 1.0 takes only signed requests', () => {
    expect(() => createRejoinerClient({ baseUrl: collector.url, siteId: SHOP.id, api: 'rest1', auth: { token: 'tok_any_site_token_000000000' } })).toThrow(
      /REST 1.0 accepts only signed requests/,
    );
  });

  it('throws RejoinerApiError 403 for a bad credential and 400 with the reason for a bad body', async () => {
    const wrong = createRejoinerClient({ baseUrl: collector.url, siteId: SHOP.id, api: 'rest1', auth: { key: SHOP.key, secret: 'not-the-secret' } });
    const refused = await wrong.cancelLead('x@shop.example').catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(RejoinerApiError);
    expect(refused).toMatchObject({ status: 403, method: 'POST', path: '/api/1.0/site/shop/lead/cancel' });
    await expect(wrong.getLists()).rejects.toMatchObject({ status: 403 });
    await expect(client.addContact({ email: 'nobody', list_id: 'x' })).rejects.toMatchObject({
      status: 400,
      body: '{"error":"email: not a valid email address"}',
    });
  });
});
