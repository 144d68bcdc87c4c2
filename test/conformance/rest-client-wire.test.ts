/**
 * The collector driven by the exact wire requests existing clients send (REJOINER-API.md: "a shop
 * can point an existing integration at it by changing only the host"):
 * - the public Rejoiner2 Node client (axios; `baseURL` `/api/v1/{site}` or `/api/v2/{site}`,
 *   `Authorization: Rejoiner {API key}`, paths ending in `/`, `?email=` percent-encoded by axios,
 *   `Content-Type: application/json`, emails lowercased in bodies but not in the v1 read path);
 * - the Magento 2 plugin on REST 1.0 (PHP `json_encode` bodies with escaped slashes, signed over
 *   the full path, `Content-type: application/json;`, and any status but 200 taken as a failure).
 * Requests go out through node:http so that the request target is exactly the bytes a client sends.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationHeader } from '../../src/node/sign';
import { batchBody, makeEvent, OTHER, postBeacon, SHOP, startTestCollector, type TestCollector } from '../support/collector';

const API_KEY = 'Rj2ApiKeyOfTheShop_0123456789abcdefghij';
const SITE = { ...SHOP, token: API_KEY };

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({ sites: [SITE, OTHER] });
});
afterAll(() => collector?.dispose());

interface Wire {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  json: any;
}

/** Sends `method target` with exactly these headers and body bytes. */
function wire(method: string, target: string, headers: Record<string, string>, body?: string): Promise<Wire> {
  const { hostname, port } = new URL(collector.url);
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: hostname, port, method, path: target, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = raw ? JSON.parse(raw) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, raw, json });
      });
    });
    outgoing.on('error', reject);
    if (body !== undefined) outgoing.write(body);
    outgoing.end();
  });
}

/**
 * What the Rejoiner2 Node client's axios instance sends: its default headers, the API key, the
 * body as `JSON.stringify` of the data, and the query as axios encodes params
 * (encodeURIComponent, then ":", "$", ",", "[", "]" back and "%20" as "+").
 */
function rejoiner2Client(version: 'v1' | 'v2') {
  const baseURL = `/api/${version}/${SITE.id}`;
  const axiosEncode = (value: string) =>
    encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%24/g, '$').replace(/%2C/gi, ',').replace(/%20/g, '+').replace(/%5B/gi, '[').replace(/%5D/gi, ']');
  return (method: string, path: string, data?: unknown, params?: Record<string, string>): Promise<Wire> => {
    // axios combineURLs: base without trailing "/" + "/" + path without leading "/".
    let target = `${baseURL.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
    if (params) target += `?${Object.entries(params).map(([key, value]) => `${axiosEncode(key)}=${axiosEncode(value)}`).join('&')}`;
    const headers: Record<string, string> = {
      accept: 'application/json, text/plain, */*',
      authorization: `Rejoiner ${API_KEY}`,
      'user-agent': 'rejoiner2-node/v1.4.0',
      'accept-encoding': 'gzip, compress, deflate, br',
    };
    let body: string | undefined;
    if (data !== undefined) {
      body = JSON.stringify(data);
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return wire(method, target, headers, body);
  };
}

/** The client's `withEmail`: a string becomes `{email: lowercased}`, an object keeps its fields with the email lowercased. */
const withEmail = (email: string | Record<string, unknown>) =>
  typeof email == 'string' ? { email: email.toLowerCase() } : { ...email, email: String(email.email).toLowerCase() };

const expect2xx = (answer: Wire, what: string) => {
  expect(answer.status, `${what}: ${answer.raw}`).toBeGreaterThanOrEqual(200);
  expect(answer.status, `${what}: ${answer.raw}`).toBeLessThan(300);
};

describe.each(['v1', 'v2'] as const)('the Rejoiner2 Node client on /api/%s/', (version) => {
  const client = rejoiner2Client(version);
  const email = `A+B.${version}@Shop.Example`;
  const lower = email.toLowerCase();
  const phone = version == 'v1' ? '+15550104001' : '+15550104002';

  it('verify.ping(): GET /ping/ answers {"status":"success"}', async () => {
    const answer = await client('GET', '/ping/');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.json).toEqual({ status: 'success' });
  });

  it('customer.update(): v1 PUTs customers/{email}/ (the email raw in the path), v2 POSTs customers/', async () => {
    // The customer exists first (v1 PUT needs one; v2 POST creates or updates).
    expect2xx(await client('POST', 'customers/', withEmail({ email, first_name: 'Ann' })), 'create');
    const data = { email, last_name: 'Bee', phone, metadata: { tier: 'gold' } };
    const answer = version == 'v1' ? await client('PUT', `customers/${data.email}/`, withEmail(data)) : await client('POST', 'customers/', withEmail(data));
    expect(answer.status, answer.raw).toBe(200);
    expect(answer.json).toMatchObject({ email: lower, first_name: 'Ann', last_name: 'Bee', phone, metadata: { tier: 'gold' } });
  });

  it('customer.get(): v1 reads customers/{email}/ with the email as given, v2 reads by_email/?email= and by_phone/?phone=', async () => {
    if (version == 'v1') {
      const answer = await client('GET', `customers/${email}/`);
      expect(answer.status, answer.raw).toBe(200);
      expect(answer.json).toMatchObject({ email: lower, last_name: 'Bee' });
    } else {
      const byEmail = await client('GET', 'customers/by_email/', undefined, { email: email.toLowerCase() });
      expect(byEmail.status, byEmail.raw).toBe(200);
      expect(byEmail.json).toMatchObject({ id: expect.any(String), email: lower, last_name: 'Bee' });
      const byPhone = await client('GET', 'customers/by_phone/', undefined, { phone });
      expect(byPhone.status, byPhone.raw).toBe(200);
      expect(byPhone.json.id).toBe(byEmail.json.id);
    }
  });

  it('customer.get() of an unknown email answers 404 with a reason', async () => {
    const answer =
      version == 'v1'
        ? await client('GET', 'customers/Nobody+X@shop.example/')
        : await client('GET', 'customers/by_email/', undefined, { email: 'nobody+x@shop.example' });
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ error: expect.stringMatching(/\S/) });
  });

  it('customer.tags (v2 flow on either base): get the id by email, then PUT, PATCH, PATCH remove/, GET customers/{id}/tags/', async () => {
    const found = await client('GET', 'customers/by_email/', undefined, { email: lower });
    expect(found.status, found.raw).toBe(200);
    const path = `customers/${found.json.id}/tags/`;
    const set = await client('PUT', path, { tags: ['vip', 'gold'], start_journey: false });
    expect(set.status, set.raw).toBe(200);
    expect(set.json.tags.sort()).toEqual(['gold', 'vip']);
    expect((await client('PATCH', path, { tags: ['new'] })).status).toBe(200);
    const removed = await client('PATCH', `customers/${found.json.id}/tags/remove/`, { tags: ['gold'], start_journey: false });
    expect(removed.status, removed.raw).toBe(200);
    const read = await client('GET', path);
    expect(read.status).toBe(200);
    expect(read.json.tags.sort()).toEqual(['new', 'vip']);
  });

  it('customer.preferenceTags: set, add, remove and get with ?email= as axios encodes it', async () => {
    const params = { email };
    expect((await client('PUT', 'customers/preference_tags/by_email/', { preference_tags: ['news', 'deals'] }, params)).status).toBe(200);
    expect((await client('PATCH', 'customers/preference_tags/by_email/', { preference_tags: ['events'] }, params)).status).toBe(200);
    expect((await client('PATCH', 'customers/preference_tags/remove/by_email/', { preference_tags: ['deals'] }, params)).status).toBe(200);
    const read = await client('GET', 'customers/preference_tags/by_email/', undefined, params);
    expect(read.status, read.raw).toBe(200);
    expect(read.json.preference_tags.sort()).toEqual(['events', 'news']);
  });

  it('customer.convert(data) and convert(data, true) POST customer/convert/ and customer/always_convert/', async () => {
    const data = {
      email,
      cart_data: { cart_value: 20000, cart_item_count: 2, promo: 'COUPON_CODE', return_url: 'https://www.example.com/return_url' },
      cart_items: [
        { product_id: 'example', name: 'Example Product', price: 10000, category: ['Example Category 1'], item_qty: 1, qty_price: 10000 },
        { product_id: 'example2', name: 'Example Product 2', price: 10000, item_qty: 1, qty_price: 10000, color: 'red' },
      ],
    };
    const convert = await client('POST', 'customer/convert/', data);
    expect(convert.status, convert.raw).toBe(200);
    expect(convert.json).toEqual({ converted: expect.any(Number) });
    const always = await client('POST', 'customer/always_convert/', data);
    expect(always.status, always.raw).toBe(200);
  });

  it('customer.cancel / unsubscribe / optIn(email) POST {email} lowercased, and the read after each shows it', async () => {
    const steps: [string, Record<string, unknown>][] = [
      ['customer/cancel/', { journeys_cancelled: true }],
      ['customer/opt_in/', { is_opted_in: true }],
      ['customer/unsubscribe/', { is_unsubscribed: true }],
    ];
    for (const [path, shows] of steps) {
      const answer = await client('POST', path, withEmail(email));
      expect(answer.status, `${path}: ${answer.raw}`).toBe(200);
      expect(answer.json).toMatchObject({ email: lower, ...shows });
      const read = await client('GET', 'customers/by_email/', undefined, { email: lower });
      expect(read.json, path).toMatchObject(shows);
    }
  });

  it('lists: add(name), get(), contacts(id).add(email or object), get(), get(1), remove(email)', async () => {
    const created = await client('POST', 'lists/', { name: `Newsletter ${version}` });
    expect(created.status, created.raw).toBe(201);
    const listId: string = created.json.id;
    expect(listId).toEqual(expect.any(String));
    const lists = await client('GET', 'lists/');
    expect(lists.status).toBe(200);
    expect(lists.json.results).toContainEqual(expect.objectContaining({ id: listId, name: `Newsletter ${version}` }));

    const added = await client('POST', `lists/${listId}/contacts/`, withEmail(email));
    expect(added.status, added.raw).toBe(201);
    const again = await client('POST', `lists/${listId}/contacts/`, withEmail(email));
    expect(again.status, again.raw).toBe(200);
    for (let index = 0; index < 3; index++) {
      const answer = await client('POST', `lists/${listId}/contacts/`, withEmail({ email: `Friend${index}@Shop.Example`, first_name: `F${index}`, source: 'checkout' }));
      expect(answer.status, answer.raw).toBe(201);
    }
    const page = await client('GET', `lists/${listId}/contacts/`);
    expect(page.status).toBe(200);
    expect(page.json).toMatchObject({ count: 4, previous: null });
    expect(page.json.results.map((contact: any) => contact.email).sort()).toEqual(['a+b.' + version + '@shop.example', 'friend0@shop.example', 'friend1@shop.example', 'friend2@shop.example']);
    expect(page.json.results.find((contact: any) => contact.email == 'friend1@shop.example')).toMatchObject({ first_name: 'F1', custom_fields: { source: 'checkout' } });
    // get(1): "?page=1" appended to the path.
    const first = await client('GET', `lists/${listId}/contacts/?page=1`);
    expect(first.status).toBe(200);
    expect(first.json.results).toEqual(page.json.results);

    const removed = await client('POST', `lists/${listId}/contacts/remove/`, withEmail(email));
    expect(removed.status, removed.raw).toBe(200);
    const after = await client('GET', `lists/${listId}/contacts/`);
    expect(after.json.results.map((contact: any) => contact.email)).not.toContain(lower);
    expect(after.json.count).toBe(3);
  });

  it('sessions.update(id, {paymentDate, deliveryDate}) PUTs /sessions/{id}/ with ISO dates', async () => {
    const session = `wire-session-${version}`;
    const beacon = await postBeacon(collector.url, batchBody([makeEvent({ session, visitor: `wire-visitor-${version}` })]));
    expect(beacon.status).toBe(200);
    const payload = { payment_date: new Date(Date.UTC(2024, 4, 1, 10)).toISOString(), delivery_date: new Date(Date.UTC(2024, 4, 3)).toISOString() };
    const answer = await client('PUT', `/sessions/${session}/`, payload);
    expect(answer.status, answer.raw).toBe(200);
    expect(answer.json).toMatchObject({ id: session, payment_date: expect.stringMatching(/^2024-05-01T10:00/), delivery_date: expect.stringMatching(/^2024-05-03/) });
  });

  it('journeys(j).nodes(n).webhook(email) and segments(s).customers.get() answer 404 with a reason', async () => {
    const journey = await client('POST', 'journeys/5f0c/nodes/7a1b/webhook_event_wait/', { customer_data: {}, session_data: {}, ...withEmail(email) });
    expect(journey.status).toBe(404);
    expect(journey.json.error).toMatch(/journey/);
    const segment = await client('GET', 'segments/9d2e/customers/');
    expect(segment.status).toBe(404);
    expect(segment.json.error).toMatch(/segment/);
  });
});

describe('the Magento 2 plugin on REST 1.0', () => {
  /**
   * Its prepareClient(): PHP json_encode body (slashes escaped), HMAC over "POST\n{full path}\n{body}",
   * `Content-type: application/json;`; its sendRequest() takes only 200 as success.
   */
  const plugin = (path: string, phpJson: string) => {
    const target = sprintfPath(path);
    return wire('POST', target, {
      authorization: authorizationHeader(SITE.key, SITE.secret, 'POST', target, phpJson),
      'content-type': 'application/json;',
      'content-length': String(Buffer.byteLength(phpJson)),
      'user-agent': 'Zend_Http_Client',
    }, phpJson);
  };
  const sprintfPath = (path: string) => path.replace('%s', SITE.id);

  it('convert(): lead/convert answers 200', async () => {
    const answer = await plugin('/api/1.0/site/%s/lead/convert', '{"email":"magento.buyer@shop.example"}');
    expect(answer.status, answer.raw).toBe(200);
  });

  it('the Magento 1 observer: lead/convert with cart data whose URLs have escaped slashes answers 200', async () => {
    const body =
      '{"email":"magento.buyer@shop.example","cart_data":{"cart_value":79996,"cart_item_count":2,"return_url":"https:\\/\\/shop.example\\/sales\\/order\\/view\\/order_id\\/7\\/"},' +
      '"cart_items":[{"product_id":"ITM1","name":"Item Name","price":19999,"category":["televisions","smart_tv"],"item_qty":2,"qty_price":39998,"product_url":"https:\\/\\/shop.example\\/itm1.html"}]}';
    const answer = await plugin('/api/1.0/site/%s/lead/convert', body);
    expect(answer.status, answer.raw).toBe(200);
  });

  it('subscribe() → addToList(): contact_add of a new contact answers 200, the only status the plugin takes as success', async () => {
    const answer = await plugin('/api/1.0/site/%s/contact_add', '{"email":"magento.new@shop.example","list_id":"magento-marketing","first_name":"Jane"}');
    expect(answer.status, answer.raw).toBe(200);
  });

  it('addToList() of a contact already on the list answers 200', async () => {
    const first = await plugin('/api/1.0/site/%s/contact_add', '{"email":"magento.again@shop.example","list_id":"magento-marketing","first_name":""}');
    expect(first.status).toBeLessThan(300);
    const again = await plugin('/api/1.0/site/%s/contact_add', '{"email":"magento.again@shop.example","list_id":"magento-marketing","first_name":""}');
    expect(again.status, again.raw).toBe(200);
  });

  it('unSubscribe(): lead/unsubscribe answers 200 and the customer reads back unsubscribed', async () => {
    const answer = await plugin('/api/1.0/site/%s/lead/unsubscribe', '{"email":"magento.leaving@shop.example"}');
    expect(answer.status, answer.raw).toBe(200);
    const read = await rejoiner2Client('v2')('GET', 'customers/by_email/', undefined, { email: 'magento.leaving@shop.example' });
    expect(read.json).toMatchObject({ is_unsubscribed: true });
  });

  it('json_encode escapes non-ASCII as \\uXXXX: the contact keeps the name it means', async () => {
    const answer = await plugin('/api/1.0/site/%s/contact_add', '{"email":"zoe@shop.example","list_id":"magento-unicode","first_name":"Zo\\u00eb"}');
    expect(answer.status, answer.raw).toBeLessThan(300);
    const contacts = await rejoiner2Client('v2')('GET', 'lists/magento-unicode/contacts/');
    expect(contacts.json.results).toEqual([expect.objectContaining({ email: 'zoe@shop.example', first_name: 'Zoë' })]);
  });

  it('a wrong secret answers 403, which the plugin reports as "failed authentication"', async () => {
    const target = sprintfPath('/api/1.0/site/%s/lead/convert');
    const body = '{"email":"magento.buyer@shop.example"}';
    const answer = await wire('POST', target, { authorization: authorizationHeader(SITE.key, 'stale-secret', 'POST', target, body), 'content-type': 'application/json;' }, body);
    expect(answer.status).toBe(403);
  });
});
