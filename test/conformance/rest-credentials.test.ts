/**
 * Credentials on every REST base (REJOINER-API.md "The two generations", CONTRACTS.md sites
 * file): signatures over the full path with its query and over the site-relative path
 * (`lead/convert`, `customers/?…`), both binding verb, path, body and secret; the Rejoiner2
 * bearer `Authorization: Rejoiner {token}` on v1/v2 only, never on REST 1.0, never for a site
 * without a token or with `require_signatures`, and never the signing `key`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationHeader, sign } from '../../src/node/sign';
import { OTHER, SHOP, startTestCollector, type TestCollector } from '../support/collector';

const TOKEN = 'shop_credentials_token_012345678';
const SITE = { ...SHOP, token: TOKEN };
/** A site with a token that still refuses bearer requests. */
const STRICT = {
  id: 'strict',
  origins: ['https://strict.example'],
  key: 'strict-key',
  secret: 'strict-secret',
  token: 'strict_credentials_token_0123456',
  require_signatures: true,
};
/** A site without a token: signed requests only. OTHER (from the test support) has none either. */
const NOTOKEN = OTHER;
type AnySite = { id: string; key: string; secret: string; token?: string };

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({ sites: [SITE, NOTOKEN, STRICT] });
  // Customers and a list the requests below act on, on every site.
  for (const site of [SITE, NOTOKEN, STRICT] as AnySite[]) {
    const path = `/api/v2/${site.id}/customers/`;
    const body = JSON.stringify({ email: 'a+b@shop.example' });
    const response = await fetch(collector.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authorizationHeader(site.key, site.secret, 'POST', path, body) },
      body,
    });
    expect(response.status).toBeLessThan(300);
  }
});
afterAll(() => collector?.dispose());

type Gen = 'rest1' | 'v1' | 'v2';
const base = (gen: Gen, site: string): string => (gen == 'rest1' ? `/api/1.0/site/${site}/` : `/api/${gen}/${site}/`);

async function send(method: string, path: string, body: string, authorization: string | null) {
  const headers: Record<string, string> = {};
  if (method != 'GET') headers['content-type'] = 'application/json';
  if (authorization !== null) headers.authorization = authorization;
  const response = await fetch(collector.url + path, { method, headers, body: method == 'GET' ? undefined : body });
  const raw = await response.text();
  return { status: response.status, raw };
}

/** One request of each kind on each base: GET and writes, with and without a query string. */
const REQUESTS: [gen: Gen, method: string, relative: string, body: unknown][] = [];
REQUESTS.push(
  ['rest1', 'POST', 'lead/convert', { email: 'a+b@shop.example' }],
  ['rest1', 'POST', 'lead/unsubscribe', { email: 'rest1.unsub@shop.example' }],
  ['rest1', 'POST', 'contact_add', { email: 'a+b@shop.example', list_id: 'credentials' }],
  ['rest1', 'GET', 'lists', undefined],
  ['rest1', 'GET', 'lists?page=1&page_size=5', undefined],
);
for (const gen of ['v1', 'v2'] as const)
  REQUESTS.push(
    [gen, 'GET', 'ping/', undefined],
    [gen, 'POST', 'customers/', { email: 'a+b@shop.example', city: 'Tucson' }],
    [gen, 'GET', 'customers/by_email/?email=a%2Bb%40shop.example', undefined],
    [gen, 'GET', 'customers/a%2Bb%40shop.example/', undefined],
    [gen, 'PUT', 'customers/a%2Bb%40shop.example/', { email: 'a+b@shop.example', city: 'Phoenix' }],
    [gen, 'PATCH', 'customers/preference_tags/by_email/?email=a%2Bb%40shop.example', { preference_tags: ['news'] }],
    [gen, 'POST', 'customer/opt_in/', { email: 'a+b@shop.example', type: 'checkbox' }],
    [gen, 'GET', 'lists/?page=1', undefined],
  );

const text = (body: unknown): string => (body === undefined ? '' : JSON.stringify(body));
const withoutQuery = (path: string): string => path.split('?')[0];

describe.each(REQUESTS)('%s %s %s', (gen, method, relative, body) => {
  const sites: AnySite[] = [SITE, NOTOKEN, STRICT];

  it.each(sites.map((site) => [site.id, site]))('on site %s: accepts the signature of the full path (with its query)', async (_id, site) => {
    const path = base(gen, site.id) + relative;
    const answer = await send(method, path, text(body), authorizationHeader(site.key, site.secret, method, path, text(body)));
    expect(answer.status, answer.raw).toBeGreaterThanOrEqual(200);
    expect(answer.status, answer.raw).toBeLessThan(300);
  });

  it.each(sites.map((site) => [site.id, site]))('on site %s: accepts the signature of the site-relative path', async (_id, site) => {
    const path = base(gen, site.id) + relative;
    const answer = await send(method, path, text(body), authorizationHeader(site.key, site.secret, method, relative, text(body)));
    expect(answer.status, answer.raw).toBeGreaterThanOrEqual(200);
    expect(answer.status, answer.raw).toBeLessThan(300);
  });

  const other = relative.startsWith('lead/convert') ? 'lead/cancel' : relative.startsWith('ping') ? 'lists/' : 'ping/';
  const refusals: [string, (path: string) => string][] = [
    ['a site-relative signature of another verb', () => authorizationHeader(SITE.key, SITE.secret, method == 'GET' ? 'POST' : 'GET', relative, text(body))],
    ['a site-relative signature of another body', () => authorizationHeader(SITE.key, SITE.secret, method, relative, text(body) + ' ')],
    ['a site-relative signature of another endpoint', () => authorizationHeader(SITE.key, SITE.secret, method, other, text(body))],
    ["a site-relative signature with another site's secret", () => authorizationHeader(SITE.key, NOTOKEN.secret, method, relative, text(body))],
    ["a site-relative signature under another site's key", () => authorizationHeader(NOTOKEN.key, NOTOKEN.secret, method, relative, text(body))],
    ['a full-path signature of another site', (path) => authorizationHeader(SITE.key, SITE.secret, method, path.replace('/shop/', '/other/'), text(body))],
    ['a signature over the path and body without the verb', (path) => `Rejoiner ${SITE.key}:${sign(SITE.secret, '', path, text(body))}`],
  ];
  if (relative.includes('?'))
    refusals.push(
      ['a full-path signature without the query', (path) => authorizationHeader(SITE.key, SITE.secret, method, withoutQuery(path), text(body))],
      ['a site-relative signature without the query', () => authorizationHeader(SITE.key, SITE.secret, method, withoutQuery(relative), text(body))],
      ['a signature of another query', (path) => authorizationHeader(SITE.key, SITE.secret, method, `${path}&x=1`, text(body))],
    );

  it.each(refusals)('refuses %s with 403', async (_name, header) => {
    const path = base(gen, SITE.id) + relative;
    const answer = await send(method, path, text(body), header(path));
    expect(answer.status, answer.raw).toBe(403);
  });

  it.each(sites.map((site) => [site.id, site]))('on site %s: answers 401 without an Authorization header', async (_id, site) => {
    expect((await send(method, base(gen, site.id) + relative, text(body), null)).status).toBe(401);
  });

  if (gen == 'rest1') {
    it("refuses the site's bearer token on REST 1.0 with 403", async () => {
      const answer = await send(method, base(gen, SITE.id) + relative, text(body), `Rejoiner ${TOKEN}`);
      expect(answer.status).toBe(403);
    });
  } else {
    it("accepts the site's bearer token", async () => {
      const answer = await send(method, base(gen, SITE.id) + relative, text(body), `Rejoiner ${TOKEN}`);
      expect(answer.status, answer.raw).toBeGreaterThanOrEqual(200);
      expect(answer.status, answer.raw).toBeLessThan(300);
    });
  }

  const bearerRefusals: [string, string, string][] = [
    ['the signing key of a site with a token', SITE.id, `Rejoiner ${SITE.key}`],
    ['the signing secret of a site with a token', SITE.id, `Rejoiner ${SITE.secret}`],
    ['the signing key of a site without a token', NOTOKEN.id, `Rejoiner ${NOTOKEN.key}`],
    ['the signing key of a site that requires signatures', STRICT.id, `Rejoiner ${STRICT.key}`],
    ['the token of a site that requires signatures', STRICT.id, `Rejoiner ${STRICT.token}`],
    ["another site's token on a site without a token", NOTOKEN.id, `Rejoiner ${TOKEN}`],
    ["another site's token", SITE.id, `Rejoiner ${STRICT.token}`],
    ['the token in another case', SITE.id, `Rejoiner ${TOKEN.toUpperCase()}`],
    ['the token without its last character', SITE.id, `Rejoiner ${TOKEN.slice(0, -1)}`],
    ['the token with one more character', SITE.id, `Rejoiner ${TOKEN}x`],
    ['the token as the key of a signed header', SITE.id, ''],
  ];
  it.each(bearerRefusals)('refuses %s with 403', async (name, site, header) => {
    const path = base(gen, site) + relative;
    const authorization = header || authorizationHeader(TOKEN, SITE.secret, method, path, text(body));
    const answer = await send(method, path, text(body), authorization);
    expect(answer.status, `${name}: ${answer.raw}`).toBe(403);
  });
});
