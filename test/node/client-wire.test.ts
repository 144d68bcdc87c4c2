/**
 * What the server client puts on the wire. A gateway (a real HTTP server) publishes the collector
 * under a path prefix, as a reverse proxy would: it checks each signature against exactly the
 * request target and body bytes it received, then strips the prefix and passes the request on
 * (re-signed for the path the collector sees, since a signature binds the path; the bearer token
 * passes unchanged). Paged answers come back with `next` links that have lost the prefix, as
 * they do behind such a proxy. Also: ids and emails with "@", "+", "/", spaces and non-ASCII
 * characters, ids no URL can carry, and options the client refuses.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationHeader, createRejoinerClient, isValidSignature, type RejoinerClientOptions } from '../../src/node';
import { batchBody, makeEvent, postBeacon, SHOP, startTestCollector, type TestCollector } from '../support/collector';

const TOKEN = 'tok_wire_client_test_000000000000';
const PREFIX = '/edge/rejoiner';

interface Received {
  method: string;
  /** The request target exactly as it arrived. */
  target: string;
  authorization: string;
  body: Buffer;
  /** Whether a signed request's signature covers exactly `method`, `target` and `body`. */
  validSignature?: boolean;
}

let collector: TestCollector;
let gateway: Server;
let gatewayUrl: string;
const received: Received[] = [];

const readAll = async (stream: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

beforeAll(async () => {
  collector = await startTestCollector({ sites: [{ ...SHOP, token: TOKEN }] });
  const upstream = new URL(collector.url);
  gateway = createServer(async (req, res) => {
    const body = await readAll(req);
    const target = req.url ?? '/';
    const authorization = req.headers.authorization ?? '';
    const entry: Received = { method: req.method ?? 'GET', target, authorization, body };
    received.push(entry);
    if (target.startsWith('/moved/')) return void res.writeHead(308, { location: `${collector.url}${target.slice(6)}` }).end();
    if (!target.startsWith(`${PREFIX}/`)) return void res.writeHead(404).end();
    const forwarded = target.slice(PREFIX.length);
    const signed = /^Rejoiner ([^\s:]+):(\S+)$/.exec(authorization);
    let upstreamAuthorization = authorization;
    if (signed) {
      entry.validSignature = signed[1] == SHOP.key && isValidSignature(SHOP.secret, entry.method, target, body, signed[2]);
      if (!entry.validSignature) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"gateway: bad signature"}');
      upstreamAuthorization = authorizationHeader(SHOP.key, SHOP.secret, entry.method, forwarded, body);
    }
    const headers = { ...req.headers, authorization: upstreamAuthorization, 'content-length': String(body.length) };
    // The Host header passes unchanged: the collector's links name the gateway, without the prefix.
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: entry.method, path: forwarded, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.writeHead(502).end());
    out.end(body);
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => gateway.close(resolve));
  await collector.dispose();
});

const options = (extra: Partial<RejoinerClientOptions>): RejoinerClientOptions =>
  ({ baseUrl: `${gatewayUrl}${PREFIX}`, siteId: SHOP.id, auth: { key: SHOP.key, secret: SHOP.secret }, ...extra }) as RejoinerClientOptions;

describe('the server client on the wire, behind a path prefix', () => {
  it('signs exactly the target and body bytes that arrive, with "@", "+", "/" and non-ASCII ids and emails', async () => {
    const client = createRejoinerClient({ ...options({}), api: 'v2' });
    const from = received.length;
    const plus = await client.createCustomer({ email: 'a+b@shop.example', first_name: 'Zoë 🛒', metadata: { note: 'ünïcödé ✓', quote: '"\\' } });
    expect(plus).toMatchObject({ email: 'a+b@shop.example', first_name: 'Zoë 🛒', metadata: { note: 'ünïcödé ✓', quote: '"\\' } });
    const unicode = await client.createCustomer({ email: 'zoë@exämple.com', last_name: 'Ørsted' });
    expect(await client.getCustomer('a+b@shop.example')).toEqual(plus);
    expect(await client.getCustomer('zoë@exämple.com')).toEqual(unicode);
    expect(await client.getCustomerByEmail('a+b@shop.example')).toEqual(plus);
    expect(await client.getCustomerByEmail('zoë@exämple.com')).toEqual(unicode);
    // A space goes out as "+", which the server reads back as a space (and refuses in an email).
    await expect(client.getCustomerByEmail('a b@shop.example')).rejects.toMatchObject({ status: 400 });
    expect(await client.replaceTags(plus.id, ['größe:xl', 'a+b', 'x/y'])).toEqual(['größe:xl', 'a+b', 'x/y']);
    expect(await client.addPreferenceTags('zoë@exämple.com', ['naïve'])).toEqual(['naïve']);

    const phoned = await client.createCustomer({ email: 'phone@shop.example', phone: '+15550102030' });
    expect(await client.getCustomerByPhone('+15550102030')).toEqual(phoned);

    const session = 'sü/+@ 1';
    await postBeacon(collector.url, batchBody([makeEvent({ session })]));
    expect((await client.annotateSession(session, { metadata: { 'clé': 'välue' } })).metadata).toEqual({ 'clé': 'välue' });

    const requests = received.slice(from);
    expect(requests.every((request) => request.validSignature === true)).toBe(true);
    expect(requests.map((request) => `${request.method} ${request.target}`)).toEqual([
      `POST ${PREFIX}/api/v2/shop/customers/`,
      `POST ${PREFIX}/api/v2/shop/customers/`,
      `GET ${PREFIX}/api/v1/shop/customers/a%2Bb%40shop.example/`,
      `GET ${PREFIX}/api/v1/shop/customers/zo%C3%AB%40ex%C3%A4mple.com/`,
      `GET ${PREFIX}/api/v2/shop/customers/by_email/?email=a%2Bb%40shop.example`,
      `GET ${PREFIX}/api/v2/shop/customers/by_email/?email=zo%C3%AB%40ex%C3%A4mple.com`,
      `GET ${PREFIX}/api/v2/shop/customers/by_email/?email=a+b%40shop.example`,
      `PUT ${PREFIX}/api/v2/shop/customers/${plus.id}/tags/`,
      `PATCH ${PREFIX}/api/v2/shop/customers/preference_tags/by_email/?email=zo%C3%AB%40ex%C3%A4mple.com`,
      `POST ${PREFIX}/api/v2/shop/customers/`,
      `GET ${PREFIX}/api/v2/shop/customers/by_phone/?phone=%2B15550102030`,
      `PUT ${PREFIX}/api/v2/shop/sessions/s%C3%BC%2F%2B%40%201/`,
    ]);
    // The body is the UTF-8 JSON of the input, byte for byte what was signed.
    expect(JSON.parse(requests[0].body.toString('utf8'))).toEqual({
      email: 'a+b@shop.example',
      first_name: 'Zoë 🛒',
      metadata: { note: 'ünïcödé ✓', quote: '"\\' },
    });
    expect(requests[0].body.includes(Buffer.from('Zoë 🛒'))).toBe(true);
  });

  it('signs REST 1.0 requests and reaches a list id with "/", "+", "@" and spaces from both generations', async () => {
    const rest1 = createRejoinerClient({ ...options({}), api: 'rest1' });
    const v2 = createRejoinerClient({ ...options({}), api: 'v2' });
    const from = received.length;
    const listId = 'Ünï +@/list';
    await expect(rest1.addContact({ email: 'list@shop.example', list_id: listId, first_name: 'Ana' })).resolves.toBeUndefined();
    const page = await v2.getListContacts(listId);
    expect(page?.results).toEqual([expect.objectContaining({ email: 'list@shop.example', first_name: 'Ana' })]);
    expect((await v2.addListContact(listId, { email: 'two@shop.example' })).created).toBe(true);
    await v2.removeListContact(listId, 'two@shop.example');
    const requests = received.slice(from);
    expect(requests.every((request) => request.validSignature === true)).toBe(true);
    expect(requests.map((request) => request.target)).toEqual([
      `${PREFIX}/api/1.0/site/shop/contact_add`,
      `${PREFIX}/api/v2/shop/lists/%C3%9Cn%C3%AF%20%2B%40%2Flist/contacts/`,
      `${PREFIX}/api/v2/shop/lists/%C3%9Cn%C3%AF%20%2B%40%2Flist/contacts/`,
      `${PREFIX}/api/v2/shop/lists/%C3%9Cn%C3%AF%20%2B%40%2Flist/contacts/remove/`,
    ]);
  });

  it('follows next links that lost the prefix on its own base URL, signed and with the token', async () => {
    const signed = createRejoinerClient({ ...options({}), api: 'v1' });
    const bearer = createRejoinerClient({ ...options({ auth: { token: TOKEN } }), api: 'v2' });
    const list = await signed.createList('Paged ✓');
    for (let index = 0; index < 5; index++) await signed.addListContact(list.id, { email: `p${index}@shop.example` });
    const page = await bearer.getListContacts(list.id, { pageSize: 2 });
    expect(page?.next).toMatch(new RegExp(`^${gatewayUrl}/api/v2/shop/lists/${list.id}/contacts/\\?page_size=2&page=2&cursor=`));
    for (const client of [signed, bearer]) {
      const from = received.length;
      const emails: string[] = [];
      for await (const contact of client.iterateListContacts(list.id, { pageSize: 2 })) emails.push(contact.email);
      expect(emails).toEqual([0, 1, 2, 3, 4].map((index) => `p${index}@shop.example`));
      const targets = received.slice(from).map((request) => request.target);
      expect(targets).toHaveLength(3);
      expect(targets.every((target) => target.startsWith(`${PREFIX}/api/`))).toBe(true);
      expect(received.slice(from).every((request) => request.validSignature !== false)).toBe(true);
    }
    expect(received.at(-1)!.authorization).toBe(`Rejoiner ${TOKEN}`);
  });

  it('refuses ids that no URL path can carry, before any request', async () => {
    const client = createRejoinerClient({ ...options({}), api: 'v2' });
    const from = received.length;
    for (const id of ['', '.', '..'])
      await expect(client.getCustomer(id)).rejects.toThrow(new TypeError(`idOrEmail: ${JSON.stringify(id)} cannot be used in a URL path`));
    await expect(client.getTags('..')).rejects.toBeInstanceOf(TypeError);
    await expect(client.annotateSession('.', {})).rejects.toBeInstanceOf(TypeError);
    await expect(client.getCustomer('\ud800')).rejects.toThrow('idOrEmail: not well-formed Unicode');
    await expect(client.iterateListContacts('..')[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(TypeError);
    expect(received.length).toBe(from);
    // Dots inside an id are plain characters.
    expect(await client.getCustomer('.hidden')).toBeNull();
    expect(received.at(-1)!.target).toBe(`${PREFIX}/api/v1/shop/customers/.hidden/`);
  });

  it('does not follow a redirect with the credential', async () => {
    for (const auth of [{ token: TOKEN }, { key: SHOP.key, secret: SHOP.secret }]) {
      const client = createRejoinerClient({ baseUrl: `${gatewayUrl}/moved/`, siteId: SHOP.id, auth });
      const from = received.length;
      await expect(client.ping()).rejects.toMatchObject({ name: 'RejoinerApiError', status: 308, path: '/moved/api/v2/shop/ping/' });
      expect(received.length).toBe(from + 1);
    }
  });

  it('refuses options it cannot use', () => {
    const base = { baseUrl: collector.url, siteId: SHOP.id };
    const refuse = (extra: Record<string, unknown>, message: RegExp) =>
      expect(() => createRejoinerClient({ ...base, auth: { key: SHOP.key, secret: SHOP.secret }, ...extra } as RejoinerClientOptions)).toThrow(message);
    refuse({ baseUrl: 'collector.example.com' }, /baseUrl: not a URL/);
    refuse({ baseUrl: 'ftp://collector.example.com' }, /baseUrl: an http\(s\) URL/);
    refuse({ baseUrl: 'https://collector.example.com/?site=1' }, /without query/);
    refuse({ siteId: '..' }, /siteId/);
    refuse({ api: 'v3' }, /api: "rest1", "v1" or "v2"/);
    refuse({ auth: { token: 'has space' } }, /auth.token/);
    refuse({ auth: { token: '' } }, /auth.token/);
    refuse({ auth: { key: 'a:b', secret: 's' } }, /auth.key/);
    refuse({ auth: { key: 'k', secret: '' } }, /auth.secret/);
    refuse({ auth: undefined, key: SHOP.key, secret: undefined }, /auth.secret/);
  });

  it('stops when a next link repeats the page it came with', async () => {
    // A misbehaving server (not the collector): the same page, pointing at itself.
    const looping: typeof fetch = async () =>
      new Response(JSON.stringify({ count: 2, next: 'https://elsewhere.example/api/v2/shop/lists/?page=1', previous: null, results: [{ id: 'x' }] }));
    const client = createRejoinerClient({ baseUrl: 'https://collector.example', siteId: 'shop', auth: { token: TOKEN }, fetch: looping });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const list of client.iterateLists({ pageSize: undefined })) seen.push(list.id);
    })().catch((caught: unknown) => caught);
    expect(seen).toEqual(['x', 'x']);
    expect(String(error)).toContain('repeats the page just read');
  });
});
