/**
 * Every REST endpoint × generation (REJOINER-API.md): REST 1.0 under /api/1.0/site/{site}/,
 * Rejoiner2 under /api/v1/{site}/ and /api/v2/{site}/. For each: a good request answers the
 * documented status and shape; no credential is 401; a bad credential is 403; an unknown site is
 * answered exactly like a bad credential (same status, same body); an unknown id is 404 with a
 * reason; an invalid body is 400 with a reason; a body that is not JSON is 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationHeader, sign } from '../../src/node/sign';
import { batchBody, makeEvent, OTHER, postBeacon, SHOP, startTestCollector, type TestCollector } from '../support/collector';

const TOKEN = 'shop_endpoints_token_0123456789';
const SITE = { ...SHOP, token: TOKEN };

let collector: TestCollector;

type Gen = 'rest1' | 'v1' | 'v2';
const base = (gen: Gen, site = SITE.id): string => (gen == 'rest1' ? `/api/1.0/site/${site}/` : `/api/${gen}/${site}/`);

interface Answer {
  status: number;
  raw: string;
  json: any;
  headers: Headers;
}

/** Sends `method path` with `body` (JSON-encoded unless a string) and the given Authorization (null: none). */
async function send(method: string, path: string, body: unknown, authorization: string | null): Promise<Answer> {
  const text = body === undefined ? '' : typeof body == 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = {};
  if (method != 'GET') headers['content-type'] = 'application/json';
  if (authorization !== null) headers.authorization = authorization;
  const response = await fetch(collector.url + path, { method, headers, body: method == 'GET' ? undefined : text });
  const raw = await response.text();
  let json: unknown;
  try {
    json = raw ? JSON.parse(raw) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, raw, json, headers: response.headers };
}

const bodyText = (body: unknown): string => (body === undefined ? '' : typeof body == 'string' ? body : JSON.stringify(body));
/** A correctly signed request (full path with query) with the site's key and secret. */
const signed = (method: string, path: string, body?: unknown, site: { key: string; secret: string } = SITE) =>
  send(method, path, body, authorizationHeader(site.key, site.secret, method, path, bodyText(body)));

interface Fixtures {
  customerId: string;
  email: string;
  phone: string;
  listId: string;
  session: string;
}
const F: Fixtures = {
  customerId: '',
  email: 'fixture.customer@shop.example',
  phone: '+15550109999',
  listId: '',
  session: 'sess-endpoints-fixture',
};

const enc = encodeURIComponent;
const isoDate = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/);

/** The customer JSON of seed 000 (plus journeys_cancelled). */
function expectCustomer(json: any, email?: string): void {
  expect(json).toMatchObject({
    id: expect.any(String),
    email: email ?? expect.any(String),
    tags: expect.any(Array),
    is_unsubscribed: expect.any(Boolean),
    is_opted_in: expect.any(Boolean),
    opt_in_info: expect.any(Object),
    metadata: expect.any(Object),
  });
  expect(json.id.length).toBeGreaterThan(0);
}

function expectPaged(json: any): void {
  expect(Object.keys(json).sort()).toEqual(['count', 'next', 'previous', 'results']);
  expect(json.count).toEqual(expect.any(Number));
  expect(Array.isArray(json.results)).toBe(true);
}

const expectListJson = (list: any) => expect(Object.keys(list).sort()).toEqual(['contact_count', 'created_at', 'id', 'name']);
const expectContactJson = (contact: any) =>
  expect(Object.keys(contact).sort()).toEqual(['added_at', 'custom_fields', 'email', 'first_name', 'id', 'source']);

interface Case {
  name: string;
  gens: Gen[];
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** Relative to the base. */
  path: (gen: Gen) => string;
  body?: (gen: Gen) => unknown;
  /** Prepares what the good request needs. */
  before?: (gen: Gen) => Promise<void>;
  status: number | number[];
  check: (answer: Answer, gen: Gen) => void;
  /** The same endpoint on an id or email the site does not have: 404 with a reason. */
  unknown?: { path: (gen: Gen) => string; body?: (gen: Gen) => unknown };
  /** A request the endpoint must refuse with 400 and a reason. */
  invalid?: { path?: (gen: Gen) => string; body?: (gen: Gen) => unknown };
}

const R1: Gen[] = ['rest1'];
const R2: Gen[] = ['v1', 'v2'];
const emptyBody = (answer: Answer) => expect(answer.raw).toBe('');

const CASES: Case[] = [
  // REST 1.0
  {
    name: 'POST lead/convert', gens: R1, method: 'POST', path: () => 'lead/convert',
    body: () => ({ email: 'rest1.convert@shop.example' }), status: 200, check: emptyBody,
    invalid: { body: () => ({ email: '' }) },
  },
  {
    name: 'POST lead/cancel', gens: R1, method: 'POST', path: () => 'lead/cancel',
    body: () => ({ email: 'rest1.cancel@shop.example' }), status: 200, check: emptyBody,
    invalid: { body: () => ({}) },
  },
  {
    name: 'POST lead/opt_in', gens: R1, method: 'POST', path: () => 'lead/opt_in',
    body: () => ({ email: 'rest1.optin@shop.example', type: 'accepts marketing checkbox' }), status: 200, check: emptyBody,
    invalid: { body: () => ({ email: 'not an email', type: 'checkbox' }) },
  },
  {
    name: 'POST lead/unsubscribe', gens: R1, method: 'POST', path: () => 'lead/unsubscribe',
    body: () => ({ email: 'rest1.unsub@shop.example' }), status: 200, check: emptyBody,
    invalid: { body: () => ({ email: 42 }) },
  },
  {
    name: 'POST contact_add', gens: R1, method: 'POST', path: () => 'contact_add',
    body: () => ({ email: 'rest1.contact@shop.example', list_id: 'rest1-endpoint-list', first_name: 'Ann' }),
    status: [200, 201], check: emptyBody,
    invalid: { body: () => ({ email: 'rest1.contact@shop.example', first_name: 'Ann' }) },
  },
  {
    name: 'GET lists', gens: R1, method: 'GET', path: () => 'lists', status: 200,
    check: ({ json }) => {
      expectPaged(json);
      expect(json.results.length).toBeGreaterThan(0);
      json.results.forEach(expectListJson);
    },
    invalid: { path: () => 'lists?page=0' },
  },

  // Rejoiner2, v1 and v2
  {
    name: 'GET ping/', gens: R2, method: 'GET', path: () => 'ping/', status: 200,
    check: ({ json }) => expect(json).toEqual({ status: 'success' }),
  },
  {
    name: 'POST customer/convert/', gens: R2, method: 'POST', path: () => 'customer/convert/',
    body: (gen) => ({ email: `${gen}.convert@shop.example` }), status: 200,
    check: ({ json }) => expect(json).toEqual({ converted: expect.any(Number) }),
    invalid: { body: (gen) => ({ email: `${gen}.convert@shop.example`, cart_items: 'three socks' }) },
  },
  {
    name: 'POST customer/always_convert/', gens: R2, method: 'POST', path: () => 'customer/always_convert/',
    body: (gen) => ({ email: `${gen}.always@shop.example`, cart_data: { cart_value: 2000, cart_item_count: 1 } }), status: 200,
    check: ({ json }) => expect(json).toEqual({ converted: expect.any(Number) }),
    invalid: { body: () => ({ cart_data: { cart_value: 2000 } }) },
  },
  {
    name: 'POST customer/cancel/', gens: R2, method: 'POST', path: () => 'customer/cancel/',
    body: (gen) => ({ email: `${gen}.cancel@shop.example` }), status: 200,
    check: ({ json }, gen) => {
      expectCustomer(json, `${gen}.cancel@shop.example`);
      expect(json.journeys_cancelled).toBe(true);
    },
    invalid: { body: () => ({ email: 'nope' }) },
  },
  {
    name: 'POST customer/unsubscribe/', gens: R2, method: 'POST', path: () => 'customer/unsubscribe/',
    body: (gen) => ({ email: `${gen}.unsub@shop.example` }), status: 200,
    check: ({ json }, gen) => {
      expectCustomer(json, `${gen}.unsub@shop.example`);
      expect(json.is_unsubscribed).toBe(true);
    },
    invalid: { body: () => ['not', 'an', 'object'] },
  },
  {
    name: 'POST customer/opt_in/', gens: R2, method: 'POST', path: () => 'customer/opt_in/',
    body: (gen) => ({ email: `${gen}.optin@shop.example`, type: 'accepts marketing checkbox' }), status: 200,
    check: ({ json }, gen) => {
      expectCustomer(json, `${gen}.optin@shop.example`);
      expect(json.is_opted_in).toBe(true);
      expect(json.opt_in_info).toEqual({ type: 'accepts marketing checkbox' });
    },
    invalid: { body: () => ({ type: 'no email' }) },
  },
  {
    name: 'POST customers/ (new)', gens: R2, method: 'POST', path: () => 'customers/',
    body: (gen) => ({ email: `${gen}.created@shop.example`, first_name: 'Created' }), status: 201,
    check: ({ json }, gen) => {
      expectCustomer(json, `${gen}.created@shop.example`);
      expect(json.first_name).toBe('Created');
    },
    invalid: { body: (gen) => ({ email: `${gen}.created@shop.example`, gender: 'x' }) },
  },
  {
    name: 'GET customers/{id}/', gens: R2, method: 'GET', path: () => `customers/${F.customerId}/`, status: 200,
    check: ({ json }) => {
      expectCustomer(json, F.email);
      expect(json.id).toBe(F.customerId);
    },
    unknown: { path: () => 'customers/ffffffffffffffffffffffff/' },
  },
  {
    name: 'GET customers/{email}/', gens: R2, method: 'GET', path: () => `customers/${enc(F.email)}/`, status: 200,
    check: ({ json }) => expect(json.id).toBe(F.customerId),
    unknown: { path: () => `customers/${enc('nobody.here@shop.example')}/` },
  },
  {
    name: 'PUT customers/{id}/', gens: R2, method: 'PUT', path: () => `customers/${F.customerId}/`,
    body: (gen) => ({ email: F.email, phone: F.phone, city: `Tucson ${gen}` }), status: 200,
    check: ({ json }, gen) => {
      expect(json.id).toBe(F.customerId);
      expect(json.city).toBe(`Tucson ${gen}`);
    },
    unknown: { path: () => 'customers/ffffffffffffffffffffffff/', body: () => ({ email: 'nobody.put@shop.example', city: 'X' }) },
    invalid: { body: () => ({ email: F.email, birthdate: '1969-13-45' }) },
  },
  {
    name: 'GET customers/by_email/', gens: R2, method: 'GET', path: () => `customers/by_email/?email=${enc(F.email)}`, status: 200,
    check: ({ json }) => expect(json.id).toBe(F.customerId),
    unknown: { path: () => `customers/by_email/?email=${enc('nobody.here@shop.example')}` },
    invalid: { path: () => 'customers/by_email/?email=not-an-email' },
  },
  {
    name: 'GET customers/by_phone/', gens: R2, method: 'GET', path: () => `customers/by_phone/?phone=${enc(F.phone)}`, status: 200,
    check: ({ json }) => expect(json.id).toBe(F.customerId),
    unknown: { path: () => `customers/by_phone/?phone=${enc('+15550100000')}` },
    invalid: { path: () => 'customers/by_phone/' },
  },
  {
    name: 'GET customers/{id}/tags/', gens: R2, method: 'GET', path: () => `customers/${F.customerId}/tags/`, status: 200,
    check: ({ json }) => expect(json).toEqual({ tags: expect.any(Array) }),
    unknown: { path: () => 'customers/ffffffffffffffffffffffff/tags/' },
  },
  {
    name: 'PUT customers/{id}/tags/', gens: R2, method: 'PUT', path: () => `customers/${F.customerId}/tags/`,
    body: (gen) => ({ tags: [`${gen}-a`, `${gen}-b`] }), status: 200,
    check: ({ json }, gen) => expect({ ...json, tags: [...json.tags].sort() }).toEqual({ tags: [`${gen}-a`, `${gen}-b`] }),
    unknown: { path: () => 'customers/ffffffffffffffffffffffff/tags/', body: () => ({ tags: ['x'] }) },
    invalid: { body: () => ({ tags: 'vip' }) },
  },
  {
    name: 'PATCH customers/{id}/tags/', gens: R2, method: 'PATCH', path: () => `customers/${F.customerId}/tags/`,
    body: (gen) => ({ tags: [`${gen}-c`], start_journey: false }), status: 200,
    check: ({ json }, gen) => expect(json.tags).toEqual(expect.arrayContaining([`${gen}-a`, `${gen}-b`, `${gen}-c`])),
    unknown: { path: () => 'customers/ffffffffffffffffffffffff/tags/', body: () => ({ tags: ['x'] }) },
    invalid: { body: () => ({ tags: [1, 2] }) },
  },
  {
    name: 'PATCH customers/{id}/tags/remove/', gens: R2, method: 'PATCH', path: () => `customers/${F.customerId}/tags/remove/`,
    body: (gen) => ({ tags: [`${gen}-a`] }), status: 200,
    check: ({ json }, gen) => {
      expect(json.tags).not.toContain(`${gen}-a`);
      expect(json.tags).toContain(`${gen}-b`);
    },
    unknown: { path: () => 'customers/ffffffffffffffffffffffff/tags/remove/', body: () => ({ tags: ['x'] }) },
    invalid: { body: () => ({ remove: ['x'] }) },
  },
  {
    name: 'GET customers/preference_tags/by_email/', gens: R2, method: 'GET',
    path: () => `customers/preference_tags/by_email/?email=${enc(F.email)}`, status: 200,
    check: ({ json }) => expect(json).toEqual({ preference_tags: expect.any(Array) }),
    unknown: { path: () => `customers/preference_tags/by_email/?email=${enc('nobody.here@shop.example')}` },
    invalid: { path: () => 'customers/preference_tags/by_email/' },
  },
  {
    name: 'PUT customers/preference_tags/by_email/', gens: R2, method: 'PUT',
    path: () => `customers/preference_tags/by_email/?email=${enc(F.email)}`,
    body: (gen) => ({ preference_tags: [`${gen}-news`, `${gen}-deals`] }), status: 200,
    check: ({ json }, gen) => expect([...json.preference_tags].sort()).toEqual([`${gen}-deals`, `${gen}-news`]),
    invalid: { body: () => ({ preference_tags: 'news' }) },
  },
  {
    name: 'PATCH customers/preference_tags/by_email/', gens: R2, method: 'PATCH',
    path: () => `customers/preference_tags/by_email/?email=${enc(F.email)}`,
    body: (gen) => ({ preference_tags: [`${gen}-events`] }), status: 200,
    check: ({ json }, gen) => expect(json.preference_tags).toEqual(expect.arrayContaining([`${gen}-news`, `${gen}-deals`, `${gen}-events`])),
    invalid: { body: () => ({ tags: ['events'] }) },
  },
  {
    name: 'PATCH customers/preference_tags/remove/by_email/', gens: R2, method: 'PATCH',
    path: () => `customers/preference_tags/remove/by_email/?email=${enc(F.email)}`,
    body: (gen) => ({ preference_tags: [`${gen}-news`] }), status: 200,
    check: ({ json }, gen) => {
      expect(json.preference_tags).not.toContain(`${gen}-news`);
      expect(json.preference_tags).toContain(`${gen}-deals`);
    },
    unknown: {
      path: () => `customers/preference_tags/remove/by_email/?email=${enc('nobody.here@shop.example')}`,
      body: () => ({ preference_tags: ['news'] }),
    },
    invalid: { body: () => ({ preference_tags: [''] }) },
  },
  {
    name: 'GET lists/', gens: R2, method: 'GET', path: () => 'lists/', status: 200,
    check: ({ json }) => {
      expectPaged(json);
      expect(json.results.map((list: any) => list.id)).toContain(F.listId);
      json.results.forEach(expectListJson);
    },
    invalid: { path: () => 'lists/?page=nope' },
  },
  {
    name: 'POST lists/', gens: R2, method: 'POST', path: () => 'lists/', body: (gen) => ({ name: `Made on ${gen}` }), status: 201,
    check: ({ json }, gen) => {
      expectListJson(json);
      expect(json).toMatchObject({ id: expect.any(String), name: `Made on ${gen}`, created_at: isoDate, contact_count: 0 });
    },
    invalid: { body: () => ({ name: '' }) },
  },
  {
    name: 'GET lists/{id}/contacts/', gens: R2, method: 'GET', path: () => `lists/${F.listId}/contacts/`, status: 200,
    check: ({ json }) => {
      expectPaged(json);
      expect(json.results.length).toBeGreaterThan(0);
      json.results.forEach(expectContactJson);
    },
    unknown: { path: () => 'lists/no-such-list/contacts/' },
    invalid: { path: () => `lists/${F.listId}/contacts/?page=0` },
  },
  {
    name: 'POST lists/{id}/contacts/', gens: R2, method: 'POST', path: () => `lists/${F.listId}/contacts/`,
    body: (gen) => ({ email: `${gen}.contact@shop.example`, first_name: 'Cora', plan: 'gold' }), status: 201,
    check: ({ json }, gen) => {
      expectContactJson(json);
      expect(json).toMatchObject({ email: `${gen}.contact@shop.example`, first_name: 'Cora', custom_fields: { plan: 'gold' }, added_at: isoDate });
    },
    unknown: { path: () => 'lists/no-such-list/contacts/', body: () => ({ email: 'someone@shop.example' }) },
    invalid: { body: () => ({ email: 'not-an-email', first_name: 'Cora' }) },
  },
  {
    name: 'POST lists/{id}/contacts/remove/', gens: R2, method: 'POST', path: () => `lists/${F.listId}/contacts/remove/`,
    before: async (gen) => {
      const added = await signed('POST', `${base(gen)}lists/${F.listId}/contacts/`, { email: `${gen}.leaving@shop.example` });
      expect(added.status).toBe(201);
    },
    body: (gen) => ({ email: `${gen}.leaving@shop.example` }), status: 200, check: () => {},
    unknown: { path: () => 'lists/no-such-list/contacts/remove/', body: () => ({ email: F.email }) },
    invalid: { body: () => ({}) },
  },
  {
    name: 'PUT sessions/{id}/', gens: R2, method: 'PUT', path: () => `sessions/${F.session}/`,
    body: () => ({ payment_date: '2024-05-01T10:00:00.000Z', metadata: { carrier: 'UPS' } }), status: 200,
    check: ({ json }) => expect(json).toMatchObject({ id: F.session, metadata: { carrier: 'UPS' } }),
    unknown: { path: () => 'sessions/no-such-session/', body: () => ({ payment_date: '2024-05-01' }) },
    invalid: { body: () => ({ payment_date: 'yesterday' }) },
  },
  {
    name: 'POST journeys/{id}/webhook_trigger/', gens: R2, method: 'POST', path: () => 'journeys/j-1/webhook_trigger/',
    body: () => ({ email: F.email, customer_data: {}, session_data: {} }), status: 404,
    check: ({ json }) => expect(json.error).toMatch(/journey/),
  },
  {
    name: 'POST journeys/{jid}/nodes/{nid}/webhook_event_wait/', gens: R2, method: 'POST',
    path: () => 'journeys/j-1/nodes/n-1/webhook_event_wait/', body: () => ({ email: F.email, customer_data: {}, session_data: {} }), status: 404,
    check: ({ json }) => expect(json.error).toMatch(/journey/),
  },
  {
    name: 'GET segments/{id}/customers/', gens: R2, method: 'GET', path: () => 'segments/s-1/customers/', status: 404,
    check: ({ json }) => expect(json.error).toMatch(/segment/),
  },
];

beforeAll(async () => {
  collector = await startTestCollector({ sites: [SITE, OTHER] });
  const created = await signed('POST', '/api/v2/shop/customers/', { email: F.email, first_name: 'Fixture', phone: F.phone });
  expect(created.status).toBe(201);
  F.customerId = created.json.id;
  const list = await signed('POST', '/api/v2/shop/lists/', { name: 'Fixture list' });
  expect(list.status).toBe(201);
  F.listId = list.json.id;
  expect((await signed('POST', `/api/v2/shop/lists/${F.listId}/contacts/`, { email: F.email })).status).toBe(201);
  const beacon = await postBeacon(collector.url, batchBody([makeEvent({ session: F.session, visitor: 'visitor-endpoints' })]));
  expect(beacon.status).toBe(200);
  // REST 1.0 "GET lists" needs one list the good request can show.
  expect((await signed('POST', '/api/1.0/site/shop/contact_add', { email: F.email, list_id: 'rest1-fixture-list' })).status).toBeLessThan(300);
});
afterAll(() => collector?.dispose());

const error = expect.objectContaining({ error: expect.stringMatching(/\S/) });

// Generation by generation, so that each generation's tag writes (replace, add, remove) follow one another.
for (const gen of ['rest1', 'v1', 'v2'] as Gen[]) {
  for (const endpoint of CASES.filter((item) => item.gens.includes(gen))) {
    describe(`${gen} ${endpoint.name}`, () => {
      const path = () => base(gen) + endpoint.path(gen);
      const body = () => endpoint.body?.(gen);

      it('answers a good, signed request with the documented status and shape', async () => {
        await endpoint.before?.(gen);
        const answer = await signed(endpoint.method, path(), body());
        const statuses = ([] as number[]).concat(endpoint.status);
        expect(statuses, `${answer.status} ${answer.raw}`).toContain(answer.status);
        endpoint.check(answer, gen);
      });

      it('answers 401 with a reason when the Authorization header is missing', async () => {
        const answer = await send(endpoint.method, path(), body(), null);
        expect(answer.status).toBe(401);
        expect(answer.json).toEqual(error);
      });

      it('answers 403 with a reason to a bad credential', async () => {
        const text = bodyText(body());
        const answer = await send(endpoint.method, path(), body(), `Rejoiner ${SITE.key}:${sign('not-the-secret', endpoint.method, path(), text)}`);
        expect(answer.status).toBe(403);
        expect(answer.json).toEqual(error);
      });

      it("answers 403 to another site's correctly signed request", async () => {
        const answer = await signed(endpoint.method, path(), body(), OTHER);
        expect(answer.status).toBe(403);
      });

      it('answers an unknown site exactly like a bad credential', async () => {
        const unknownPath = base(gen, 'no-such-site') + endpoint.path(gen);
        const text = bodyText(body());
        const unknown = await signed(endpoint.method, unknownPath, body());
        const bad = await send(endpoint.method, path(), body(), `Rejoiner ${SITE.key}:${sign('not-the-secret', endpoint.method, path(), text)}`);
        expect({ status: unknown.status, body: unknown.raw, type: unknown.headers.get('content-type') }).toEqual({
          status: bad.status,
          body: bad.raw,
          type: bad.headers.get('content-type'),
        });
        if (gen != 'rest1') {
          const bearerUnknown = await send(endpoint.method, unknownPath, body(), `Rejoiner ${TOKEN}`);
          const bearerBad = await send(endpoint.method, path(), body(), `Rejoiner ${TOKEN.replace(/.$/, 'X')}`);
          expect({ status: bearerUnknown.status, body: bearerUnknown.raw }).toEqual({ status: bearerBad.status, body: bearerBad.raw });
          expect(bearerUnknown.status).toBe(403);
        }
        const missingUnknown = await send(endpoint.method, unknownPath, body(), null);
        const missing = await send(endpoint.method, path(), body(), null);
        expect({ status: missingUnknown.status, body: missingUnknown.raw }).toEqual({ status: missing.status, body: missing.raw });
      });

      if (endpoint.unknown) {
        const unknown = endpoint.unknown;
        it('answers 404 with a reason for an unknown id or email', async () => {
          const answer = await signed(endpoint.method, base(gen) + unknown.path(gen), unknown.body?.(gen));
          expect(answer.status, answer.raw).toBe(404);
          expect(answer.json).toEqual(error);
        });
      }

      if (endpoint.invalid) {
        const invalid = endpoint.invalid;
        it('answers 400 with a reason to an invalid request', async () => {
          const answer = await signed(endpoint.method, base(gen) + (invalid.path ?? endpoint.path)(gen), invalid.body ? invalid.body(gen) : body());
          expect(answer.status, answer.raw).toBe(400);
          expect(answer.json).toEqual(error);
        });
      }

      if (endpoint.method != 'GET') {
        it('answers 400 with a reason to a body that is not JSON', async () => {
          const answer = await signed(endpoint.method, path(), '{"email": ');
          expect(answer.status).toBe(400);
          expect(answer.json).toEqual(error);
        });
      }
    });
  }
}

describe.each(['v1', 'v2'] as const)('%s customers/by_phone/ input', (gen) => {
  it('answers 400 with a reason to a phone that is not a number, rather than "not found"', async () => {
    const answer = await signed('GET', `${base(gen)}customers/by_phone/?phone=not-a-phone`);
    expect(answer.status, answer.raw).toBe(400);
    expect(answer.json).toEqual(error);
  });

  it('finds the customer whatever the formatting of an E.164 number', async () => {
    for (const phone of ['+1 555 010 9999', '+1 (555) 010-9999', '0015550109999']) {
      const answer = await signed('GET', `${base(gen)}customers/by_phone/?phone=${enc(phone)}`);
      expect(answer.status, `${phone}: ${answer.raw}`).toBe(200);
      expect(answer.json.id).toBe(F.customerId);
    }
  });
});
