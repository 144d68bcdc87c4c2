import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationHeader, sign } from '../../src/node/sign';
import { OTHER, SHOP, signedRequest, startTestCollector, type TestCollector } from '../support/collector';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(() => collector.dispose());

const EMAIL = 'auth@shop.example';
/** Every REST endpoint with a body that succeeds when signed right. */
const ENDPOINTS: [method: string, path: string, body: unknown, okStatus: number][] = [
  ['POST', '/api/1.0/site/shop/lead/convert', { email: EMAIL }, 200],
  ['POST', '/api/v1/shop/customer/convert/', { email: EMAIL }, 200],
  ['POST', '/api/v1/shop/customer/cancel/', { email: EMAIL }, 200],
  ['POST', '/api/v1/shop/customer/unsubscribe/', { email: EMAIL }, 200],
  ['POST', '/api/v1/shop/customer/opt_in/', { email: EMAIL, type: 'checkbox' }, 200],
  ['POST', '/api/v1/shop/customers/', { email: EMAIL }, 200],
  ['GET', `/api/v1/shop/customers/${encodeURIComponent(EMAIL)}/`, undefined, 200],
  ['PUT', `/api/v1/shop/customers/${encodeURIComponent(EMAIL)}/`, { email: EMAIL, city: 'Tucson' }, 200],
  ['GET', '/api/v1/shop/events/', undefined, 200],
];

describe('REST signatures', () => {
  beforeAll(async () => {
    await signedRequest(collector.url, 'POST', '/api/v1/shop/customers/', { email: EMAIL });
  });

  describe.each(ENDPOINTS)('%s %s', (method, path, body, okStatus) => {
    const text = body === undefined ? '' : JSON.stringify(body);

    it('accepts a correct signature', async () => {
      const response = await signedRequest(collector.url, method, path, body);
      expect(response.status).toBe(okStatus);
    });

    it('refuses a request without an Authorization header with 401', async () => {
      const response = await signedRequest(collector.url, method, path, body, { authorization: null });
      expect(response.status).toBe(401);
    });

    it.each([
      ['a wrong signature', `Rejoiner ${SHOP.key}:${sign('wrong-secret', method, path, text)}`],
      ['a signature of another body', `Rejoiner ${SHOP.key}:${sign(SHOP.secret, method, path, text + ' ')}`],
      ['a signature of another verb', `Rejoiner ${SHOP.key}:${sign(SHOP.secret, method == 'GET' ? 'POST' : 'GET', path, text)}`],
      ['a signature of another path', `Rejoiner ${SHOP.key}:${sign(SHOP.secret, method, path + 'x', text)}`],
      ["another site's key and secret", authorizationHeader(OTHER.key, OTHER.secret, method, path, text)],
      ['an unknown key', authorizationHeader('nobody', SHOP.secret, method, path, text)],
      ['a malformed header', `Bearer ${sign(SHOP.secret, method, path, text)}`],
      ['a truncated signature', `Rejoiner ${SHOP.key}:${sign(SHOP.secret, method, path, text).slice(0, 20)}`],
    ])('refuses %s with 403', async (_name, authorization) => {
      const response = await signedRequest(collector.url, method, path, body, { authorization });
      expect(response.status).toBe(403);
      expect((await response.json()).error).toEqual(expect.any(String));
    });
  });

  it('signs the query string as part of the path', async () => {
    const path = '/api/v1/shop/events/?limit=5';
    expect((await signedRequest(collector.url, 'GET', path)).status).toBe(200);
    const pathOnly = `Rejoiner ${SHOP.key}:${sign(SHOP.secret, 'GET', '/api/v1/shop/events/', '')}`;
    expect((await signedRequest(collector.url, 'GET', path, undefined, { authorization: pathOnly })).status).toBe(403);
  });

  it('refuses an unknown site with 403', async () => {
    const response = await signedRequest(collector.url, 'POST', '/api/v1/nosuchsite/customers/', { email: EMAIL });
    expect(response.status).toBe(403);
  });

  it('answers 404 to unknown API paths and 405 to wrong methods', async () => {
    expect((await signedRequest(collector.url, 'GET', '/api/v1/shop/nothing/')).status).toBe(404);
    expect((await signedRequest(collector.url, 'GET', '/api/1.0/site/shop/lead/convert')).status).toBe(405);
    expect((await signedRequest(collector.url, 'PATCH', '/api/v1/shop/customers/x/')).status).toBe(405);
  });

  it('answers 400 to a correctly signed body that is not JSON', async () => {
    const response = await signedRequest(collector.url, 'POST', '/api/v1/shop/customers/', '{"email":');
    expect(response.status).toBe(400);
    expect((await response.json()).error).toBe('body is not valid JSON');
  });
});
