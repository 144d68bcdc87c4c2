import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBody, makeEvent, postBeacon, readInspectorSnapshot, SHOP, startTestCollector, type TestCollector } from './helpers';

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

let collector: TestCollector;
let externalReachable = false;
beforeAll(async () => {
  collector = await startTestCollector({ host: '0.0.0.0' });
  externalReachable = !!externalAddress && (await canConnect(externalAddress, collector.port));
  await postBeacon(collector.url, batchBody([makeEvent({ session: 'insp-shop' })]));
  await postBeacon(collector.url, batchBody([makeEvent({ session: 'insp-other' })], 'other'), { site: 'other', origin: 'https://other.example' });
});
afterAll(() => collector.dispose());

describe('inspector access', () => {
  it('serves the page and its assets to this machine', async () => {
    const page = await fetch(`${collector.url}/inspector`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('/inspector/inspector.js');
    const script = await fetch(`${collector.url}/inspector/inspector.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${collector.url}/inspector/%2e%2e%2fpackage.json`)).status).toBe(404);
  });

  it('shows every site to this machine, and one site with ?key', async () => {
    const all = await readInspectorSnapshot(collector.url);
    expect(all.sessions.map((s) => s.id)).toEqual(expect.arrayContaining(['insp-shop', 'insp-other']));
    const shop = await readInspectorSnapshot(collector.url, `?key=${SHOP.key}`);
    expect(shop.sessions.map((s) => s.id)).toContain('insp-shop');
    expect(shop.sessions.every((s) => s.site == 'shop')).toBe(true);
  });

  it('refuses a wrong key', async () => {
    expect((await fetch(`${collector.url}/inspector?key=nope`)).status).toBe(403);
    expect((await fetch(`${collector.url}/inspector/events?key=nope`)).status).toBe(403);
  });

  it('refuses other machines without a key, and scopes them to the key', async (context) => {
    if (!externalReachable) context.skip('this machine has no address of its own that it can reach');
    const remote = `http://${externalAddress}:${collector.port}`;
    expect((await fetch(`${remote}/inspector`)).status).toBe(403);
    expect((await fetch(`${remote}/inspector/events`)).status).toBe(403);
    expect((await fetch(`${remote}/inspector?key=${SHOP.key}`)).status).toBe(200);
    const shop = await readInspectorSnapshot(remote, `?key=${SHOP.key}`);
    expect(shop.sessions.map((s) => s.id)).not.toContain('insp-other');
  });

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
