/**
 * Erasure erases: after a customer is forgotten, its email and name are in no record, no stored
 * event, no export, and (SQLite) not in the database file's bytes either, while the facts that
 * are no one's personal data remain.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBody, exportAll, makeEvent, postBeacon, readInspectorSnapshot, signedRequest, startTestCollector, testEngine, type TestCollector } from '../support/collector';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(() => collector.dispose());

const EMAIL = 'forget.me.please@shop.example';
const NAME = 'Philomena';
const shopper = { visitor: 'erase-v', session: 'erase-s' };

/** Every byte of the SQLite database and its side files. */
const databaseBytes = (): Buffer =>
  Buffer.concat(readdirSync(dirname(collector.dbPath)).filter((name) => name.startsWith('collector.db')).map((name) => readFileSync(join(dirname(collector.dbPath), name))));

describe('forgetting a customer', () => {
  it('removes the email and name from records, events, exports and the database file', async () => {
    // The person, as the snippet and the REST API tell them over a few visits.
    await postBeacon(collector.url, batchBody([
      makeEvent({ ...shopper, type: 'page_view', url: `https://shop.example/welcome?email=${encodeURIComponent(EMAIL)}`, data: { url: `https://shop.example/welcome?email=${encodeURIComponent(EMAIL)}`, title: 'Hi', referrer: '' } }),
      makeEvent({ ...shopper, type: 'customer_data', data: { first_name: NAME, last_name: 'Quist', city: 'Oulu', phone: '+358401234567' } }),
      makeEvent({ ...shopper, type: 'customer_email', data: { email: EMAIL, source: 'form' } }),
      makeEvent({ ...shopper, type: 'cart_item', order: 'erase-o', data: { product_id: 'tea', price: 1200, item_qty: 2, metadata: { gift_note: `For ${EMAIL}` } } }),
      makeEvent({ ...shopper, type: 'cart_data', order: 'erase-o', data: { cart_value: 2400, metadata: { buyer: NAME } } }),
      makeEvent({ ...shopper, type: 'session_metadata', data: { metadata: { contact: EMAIL } } }),
      makeEvent({ ...shopper, type: 'conversion', order: 'erase-o', data: {} }),
      makeEvent({ visitor: 'other-device', session: 'erase-s2', type: 'list_subscription', data: { email: EMAIL, list_id: 'news', first_name: NAME } }),
    ]));
    expect((await signedRequest(collector.url, 'POST', '/api/v1/shop/customer/opt_in/', { email: EMAIL, via: `checkbox of ${NAME}` })).status).toBe(200);
    const before = await (await signedRequest(collector.url, 'GET', `/api/v1/shop/customers/${encodeURIComponent(EMAIL)}/`)).json();
    expect(before.first_name).toBe(NAME);
    if (testEngine() == 'sqlite') expect(databaseBytes().includes(EMAIL)).toBe(true);

    const erased = await signedRequest(collector.url, 'DELETE', `/api/v2/shop/customers/${before.id}/`);
    expect(erased.status).toBe(204);

    // No read finds the person: by email, by id, by phone, in lists, in the dashboard.
    expect((await signedRequest(collector.url, 'GET', `/api/v1/shop/customers/${encodeURIComponent(EMAIL)}/`)).status).toBe(404);
    expect((await signedRequest(collector.url, 'GET', '/api/v2/shop/customers/by_phone/?phone=%2B358401234567')).status).toBe(404);
    const contacts = await (await signedRequest(collector.url, 'GET', '/api/v2/shop/lists/news/contacts/')).json();
    expect(contacts.results).toEqual([]);
    const snapshot = JSON.stringify(await readInspectorSnapshot(collector.url));
    expect(snapshot).not.toContain(EMAIL);
    expect(snapshot).not.toContain(NAME);

    // The events stay (a page view is still a page view, the conversion still counts), without the person.
    const events = await exportAll(collector.url);
    const text = JSON.stringify(events);
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(encodeURIComponent(EMAIL));
    expect(text).not.toContain(NAME);
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['page_view', 'customer_email', 'conversion', 'list_subscription']));
    const customer = (await readInspectorSnapshot(collector.url)).customers.find((entry) => entry.id == before.id) as { status: string; stats: { orders: number; spend: number } };
    expect(customer).toMatchObject({ status: 'forgotten', stats: { orders: 1, spend: 2400 } });

    // Not in the file either: freed space is zeroed and the write-ahead log is emptied before the answer.
    if (testEngine() == 'sqlite') {
      const bytes = databaseBytes();
      expect(bytes.includes(EMAIL)).toBe(false);
      expect(bytes.includes(NAME)).toBe(false);
    }
  });

  it('is irreversible: a second erase is a 404, and the email can start a new customer with no history', async () => {
    const found = await (await signedRequest(collector.url, 'GET', `/api/v1/shop/customers/${encodeURIComponent(EMAIL)}/`)).json();
    expect(found.error).toBe('customer not found');
    await postBeacon(collector.url, batchBody([makeEvent({ ...shopper, type: 'customer_email', data: { email: EMAIL, source: 'form' } })]));
    const again = await (await signedRequest(collector.url, 'GET', `/api/v1/shop/customers/${encodeURIComponent(EMAIL)}/`)).json();
    expect(again.first_name).toBe('');
    const view = (await readInspectorSnapshot(collector.url)).customers.find((entry) => entry.id == again.id) as { stats: { orders: number } };
    expect(view.stats.orders).toBe(0);
  });
});
