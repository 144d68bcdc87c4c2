/**
 * Routing under /api/: an unknown path is 404 with a reason; a known path with a method it does
 * not take is 405 with an `Allow` header naming exactly the methods REJOINER-API.md gives it.
 * Both whatever the credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationHeader } from '../../src/node/sign';
import { OTHER, SHOP, startTestCollector, type TestCollector } from '../support/collector';

const TOKEN = 'shop_routing_token_0123456789abc';
const SITE = { ...SHOP, token: TOKEN };

let collector: TestCollector;
let customerId = '';
let listId = '';
beforeAll(async () => {
  collector = await startTestCollector({ sites: [SITE, OTHER] });
  customerId = (await (await send('POST', '/api/v2/shop/customers/', 'signed', { email: 'routing@shop.example' })).json()).id;
  listId = (await (await send('POST', '/api/v2/shop/lists/', 'signed', { name: 'Routing' })).json()).id;
  expect(customerId).toEqual(expect.any(String));
  expect(listId).toEqual(expect.any(String));
});
afterAll(() => collector?.dispose());

type Auth = 'signed' | 'bearer' | 'none';

function send(method: string, path: string, auth: Auth, body?: unknown): Promise<Response> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = {};
  if (method != 'GET' && method != 'HEAD') headers['content-type'] = 'application/json';
  if (auth == 'signed') headers.authorization = authorizationHeader(SITE.key, SITE.secret, method, path, text);
  if (auth == 'bearer') headers.authorization = `Rejoiner ${TOKEN}`;
  return fetch(collector.url + path, { method, headers, body: method == 'GET' || method == 'HEAD' ? undefined : text });
}

const UNKNOWN: [method: string, path: string][] = [
  ['GET', '/api/'],
  ['GET', '/api/v2/'],
  ['GET', '/api/v2/shop/'],
  ['GET', '/api/v3/shop/ping/'],
  ['GET', '/api/v2/shop/nothing/'],
  ['POST', '/api/v2/shop/customer/merge/'],
  ['GET', '/api/v2/shop/customers/x/y/z/'],
  ['GET', '/api/v2/shop/lists/x/contacts/remove/extra/'],
  ['POST', '/api/v2/shop/lead/convert'],
  ['GET', '/api/1.0/site/shop/'],
  ['GET', '/api/1.0/site/shop/ping/'],
  ['POST', '/api/1.0/site/shop/lead/nothing'],
  ['POST', '/api/1.0/shop/lead/convert'],
  ['GET', '/api/1.0/site/shop/customers/routing%40shop.example/'],
];

describe.each(UNKNOWN)('%s %s (no such endpoint)', (method, path) => {
  it.each(['signed', 'bearer', 'none'] as const)('answers 404 with a reason (%s)', async (auth) => {
    const response = await send(method, path, auth, method == 'GET' ? undefined : { email: 'routing@shop.example' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/\S/) });
  });
});

/**
 * Known paths with a method they do not take, and the methods they do take (REJOINER-API.md).
 * `atLeast`: the collector may take more there (customers/{id}/ may gain DELETE for erasure), so
 * Allow must name at least these; elsewhere exactly these.
 */
const WRONG: [method: string, path: string, allow: string[], atLeast?: 'at least'][] = [
  ['GET', '/api/1.0/site/shop/lead/convert', ['POST']],
  ['PUT', '/api/1.0/site/shop/lead/cancel', ['POST']],
  ['GET', '/api/1.0/site/shop/lead/opt_in', ['POST']],
  ['DELETE', '/api/1.0/site/shop/lead/unsubscribe', ['POST']],
  ['PUT', '/api/1.0/site/shop/contact_add', ['POST']],
  ['POST', '/api/1.0/site/shop/lists', ['GET']],
  ['POST', '/api/v1/shop/ping/', ['GET']],
  ['GET', '/api/v2/shop/customer/convert/', ['POST']],
  ['GET', '/api/v2/shop/customer/always_convert/', ['POST']],
  ['PUT', '/api/v1/shop/customer/cancel/', ['POST']],
  ['GET', '/api/v2/shop/customer/unsubscribe/', ['POST']],
  ['PATCH', '/api/v2/shop/customer/opt_in/', ['POST']],
  ['GET', '/api/v2/shop/customers/', ['POST']],
  ['POST', '/api/v2/shop/customers/{id}/', ['GET', 'PUT'], 'at least'],
  ['PATCH', '/api/v1/shop/customers/{id}/', ['GET', 'PUT'], 'at least'],
  ['POST', '/api/v2/shop/customers/by_email/?email=routing%40shop.example', ['GET']],
  ['PUT', '/api/v2/shop/customers/by_email/?email=routing%40shop.example', ['GET']],
  ['DELETE', '/api/v2/shop/customers/by_phone/?phone=%2B15550102030', ['GET']],
  ['PUT', '/api/v2/shop/customers/by_phone/?phone=%2B15550102030', ['GET']],
  ['POST', '/api/v2/shop/customers/{id}/tags/', ['GET', 'PUT', 'PATCH']],
  ['DELETE', '/api/v1/shop/customers/{id}/tags/', ['GET', 'PUT', 'PATCH']],
  ['GET', '/api/v2/shop/customers/{id}/tags/remove/', ['PATCH']],
  ['POST', '/api/v2/shop/customers/preference_tags/by_email/?email=routing%40shop.example', ['GET', 'PUT', 'PATCH']],
  ['GET', '/api/v2/shop/customers/preference_tags/remove/by_email/?email=routing%40shop.example', ['PATCH']],
  ['DELETE', '/api/v2/shop/lists/', ['GET', 'POST']],
  ['PUT', '/api/v2/shop/lists/{list}/contacts/', ['GET', 'POST']],
  ['GET', '/api/v1/shop/lists/{list}/contacts/remove/', ['POST']],
  ['GET', '/api/v2/shop/sessions/some-session/', ['PUT']],
  ['GET', '/api/v2/shop/journeys/j-1/webhook_trigger/', ['POST']],
  ['GET', '/api/v2/shop/journeys/j-1/nodes/n-1/webhook_event_wait/', ['POST']],
  ['POST', '/api/v2/shop/segments/s-1/customers/', ['GET']],
];

const allowed = (response: Response): string[] =>
  (response.headers.get('allow') ?? '')
    .split(',')
    .map((method) => method.trim())
    .filter(Boolean)
    .sort();

const resolve = (path: string): string => path.replace('{id}', customerId).replace('{list}', listId);

describe.each(WRONG)('%s %s', (method, path, allow, atLeast) => {
  it.each(['signed', 'bearer', 'none'] as const)(`answers 405 with Allow: ${atLeast ? 'at least ' : ''}${allow.join(', ')} (%s)`, async (auth) => {
    const response = await send(method, resolve(path), auth, method == 'GET' ? undefined : { email: 'routing@shop.example', tags: ['x'], preference_tags: ['x'] });
    const named = allowed(response);
    expect({ status: response.status, allow: atLeast ? named.filter((name) => allow.includes(name)) : named }).toEqual({ status: 405, allow: [...allow].sort() });
    expect(named).not.toContain(method);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/\S/) });
  });
});

describe('trailing slashes', () => {
  it.each([
    ['GET', '/api/v2/shop/ping'],
    ['GET', '/api/v2/shop/ping/'],
    ['POST', '/api/1.0/site/shop/lead/convert'],
    ['POST', '/api/1.0/site/shop/lead/convert/'],
  ])('%s %s is served', async (method, path) => {
    const response = await send(method, path, 'signed', method == 'GET' ? undefined : { email: 'routing@shop.example' });
    expect(response.status).toBe(200);
  });
});
