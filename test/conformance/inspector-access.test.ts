import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBody, makeEvent, OTHER, postBeacon, readInspectorSnapshot, SHOP, startTestCollector, type TestCollector } from '../support/collector';

/** An address of this machine that is not loopback, so requests to it do not come from 127.0.0.1. */
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((info) => info && info.family == 'IPv4' && !info.internal)?.address;

/** Some sandboxes give a machine an address it cannot reach itself on; the remote test needs one it can. */
function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

const ADMIN = 'admin_0123456789abcdefghijklmnop';
const SHOP_TOKEN = 'shop_0123456789abcdefghijklmnop';

let collector: TestCollector;
/** A collector with credentials: every request needs a login. */
let guarded: TestCollector;
let externalReachable = false;
beforeAll(async () => {
  collector = await startTestCollector({ host: '0.0.0.0' });
  guarded = await startTestCollector({ host: '0.0.0.0', adminToken: ADMIN, sites: [{ ...SHOP, token: SHOP_TOKEN }, OTHER] });
  externalReachable = !!externalAddress && (await canConnect(externalAddress, collector.port));
  for (const target of [collector, guarded]) {
    await postBeacon(target.url, batchBody([makeEvent({ session: 'insp-shop' })]));
    await postBeacon(target.url, batchBody([makeEvent({ session: 'insp-other' })], 'other'), { site: 'other', origin: 'https://other.example' });
  }
});
afterAll(async () => {
  await collector.dispose();
  await guarded.dispose();
});

/** Logs in through the form like a browser; resolves the response (its cookie on success). */
const logIn = (base: string, token: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${base}/inspector/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token }).toString(),
  });

const cookieOf = (response: Response): string => response.headers.get('set-cookie')!.split(';')[0];

describe('inspector access without credentials (the demo)', () => {
  it('serves the page and its assets to this machine', async () => {
    const page = await fetch(`${collector.url}/inspector`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('/inspector/inspector.js');
    const script = await fetch(`${collector.url}/inspector/inspector.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${collector.url}/inspector/%2e%2e%2fpackage.json`)).status).toBe(404);
  });

  it('shows every site to this machine', async () => {
    const all = await readInspectorSnapshot(collector.url);
    expect(all.sessions.map((s) => s.id)).toEqual(expect.arrayContaining(['insp-shop', 'insp-other']));
  });

  it('does not count a request with X-Forwarded-For as local: a proxy on this machine forwards everyone', async () => {
    const response = await fetch(`${collector.url}/inspector/events`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(response.status).toBe(401);
  });

  it('refuses other machines, and takes no credential from the URL', async (context) => {
    if (!externalReachable) context.skip('this machine has no address of its own that it can reach');
    const remote = `http://${externalAddress}:${collector.port}`;
    expect((await fetch(`${remote}/inspector`, { redirect: 'manual' })).status).toBe(403);
    expect((await fetch(`${remote}/inspector/events`)).status).toBe(401);
    expect((await fetch(`${remote}/inspector/events?key=${SHOP.key}`)).status).toBe(401);
  });

  it('is closed on loopback too when a proxy is trusted or in production mode', async () => {
    for (const options of [{ trustProxy: '10.0.0.1' }, { production: true }]) {
      const other = await startTestCollector(options);
      try {
        expect((await fetch(`${other.url}/inspector/events`)).status).toBe(401);
        // Nothing to log in with: the page says what to configure instead of offering a form.
        const page = await fetch(`${other.url}/inspector`, { redirect: 'manual' });
        expect(page.status).toBe(403);
        expect(await page.text()).toMatch(/admin token/);
      } finally {
        await other.dispose();
      }
    }
  });
});

describe('inspector access with credentials', () => {
  it('sends a person without a login to the form, and a script gets 401', async () => {
    const page = await fetch(`${guarded.url}/inspector`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/inspector/login');
    expect((await fetch(`${guarded.url}/inspector/events`)).status).toBe(401);
    const form = await fetch(`${guarded.url}/inspector/login`);
    expect(form.status).toBe(200);
    expect(await form.text()).toMatch(/<form method="post" action="\/inspector\/login">/);
  });

  it('logs in with the admin token: an HttpOnly, SameSite=Strict cookie for every site', async () => {
    const response = await logIn(guarded.url, ADMIN);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/inspector');
    const setCookie = response.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/); // plain http here
    expect(setCookie).not.toContain(ADMIN);
    const all = await readInspectorSnapshot(guarded.url, '', { cookie: cookieOf(response) });
    expect(all.sessions.map((s) => s.id)).toEqual(expect.arrayContaining(['insp-shop', 'insp-other']));
  });

  it("logs in with a site's token for that site only", async () => {
    const response = await logIn(guarded.url, SHOP_TOKEN);
    const shop = await readInspectorSnapshot(guarded.url, '', { cookie: cookieOf(response) });
    expect(shop.sessions.map((s) => s.id)).toContain('insp-shop');
    expect(shop.sessions.every((s) => s.site == 'shop')).toBe(true);
  });

  it('refuses a wrong token, the site key, a forged cookie and a login posted from another site', async () => {
    expect((await logIn(guarded.url, 'x'.repeat(30))).status).toBe(401);
    expect((await logIn(guarded.url, SHOP.key)).status).toBe(401);
    const value = cookieOf(await logIn(guarded.url, SHOP_TOKEN)).split('=')[1];
    const [expiry, , mac] = value.split('.');
    // The shop's login, re-labelled as an admin one, or with a later expiry: the MAC no longer fits.
    const forged = [`${expiry}.${Buffer.from('*').toString('base64url')}.${mac}`, `${+expiry + 1000}.${value.split('.')[1]}.${mac}`];
    for (const cookie of forged)
      expect((await fetch(`${guarded.url}/inspector/events`, { headers: { cookie: `rj_dashboard=${cookie}` } })).status).toBe(401);
    expect((await logIn(guarded.url, ADMIN, { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('marks the cookie Secure when a trusted proxy says the page is https', async () => {
    const proxied = await startTestCollector({ adminToken: ADMIN, trustProxy: '127.0.0.1' });
    try {
      const response = await logIn(proxied.url, ADMIN, { 'x-forwarded-proto': 'https' });
      expect(response.headers.get('set-cookie')).toMatch(/; Secure/);
      // The same header from a peer that is not a trusted proxy means nothing.
      const direct = await logIn(guarded.url, ADMIN, { 'x-forwarded-proto': 'https' });
      expect(direct.headers.get('set-cookie')).not.toMatch(/Secure/);
    } finally {
      await proxied.dispose();
    }
  });

  it('logs out', async () => {
    const response = await fetch(`${guarded.url}/inspector/logout`, { method: 'POST', redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('set-cookie')).toMatch(/rj_dashboard=; .*Max-Age=0/);
  });

  it('lets another machine in with a login', async (context) => {
    if (!externalReachable) context.skip('this machine has no address of its own that it can reach');
    const remote = `http://${externalAddress}:${guarded.port}`;
    const response = await logIn(remote, SHOP_TOKEN);
    const shop = await readInspectorSnapshot(remote, '', { cookie: cookieOf(response) });
    expect(shop.sessions.map((s) => s.id)).not.toContain('insp-other');
  });
});

describe('live updates', () => {
  it('pushes an update when a beacon arrives', async () => {
    const controller = new AbortController();
    const response = await fetch(`${collector.url}/inspector/events`, { signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: snapshot')) text += decoder.decode((await reader.read()).value);
    await postBeacon(collector.url, batchBody([makeEvent({ session: 'insp-live', type: 'cart_item', order: 'insp-order', data: { product_id: 'LIVE-1' } })]));
    while (!/event: update\ndata: .*insp-live/.test(text)) text += decoder.decode((await reader.read()).value);
    const update = JSON.parse(/event: update\ndata: (.*insp-live.*)\n/.exec(text)![1]);
    expect(update.orders[0]).toMatchObject({ id: 'insp-order', items: [{ product_id: 'LIVE-1' }] });
    controller.abort();
  });
});
