import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBody, exportAll, makeEvent, postBeacon, startTestCollector, type TestCollector } from '../support/collector';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(() => collector.dispose());

const storedIds = async (): Promise<Set<string>> => new Set((await exportAll(collector.url)).map((event) => event.id));

describe('beacon CORS and site checks', () => {
  it.each(['https://shop.example', 'https://www.shop.example', 'https://a.b.shop.example', 'HTTPS://SHOP.EXAMPLE'])(
    'accepts allowed origin %s and echoes it',
    async (origin) => {
      const event = makeEvent();
      const response = await postBeacon(collector.url, batchBody([event]), { origin });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('vary')).toMatch(/Origin/);
      expect((await storedIds()).has(event.id)).toBe(true);
    },
  );

  it.each([
    'https://evil.example',
    'http://shop.example', // scheme differs
    'https://evilshop.example', // not a subdomain
    'https://shop.example.evil.example',
    'https://shop.example:8443', // port differs
    'null',
  ])('refuses origin %s with 403 and stores nothing', async (origin) => {
    const event = makeEvent();
    const response = await postBeacon(collector.url, batchBody([event]), { origin });
    expect(response.status).toBe(403);
    expect((await response.json()).error).toMatch(/not allowed/);
    // Readable by the page, so the library drops the batch instead of retrying a network error.
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect((await storedIds()).has(event.id)).toBe(false);
  });

  it('refuses an unknown site with 403', async () => {
    for (const site of ['nope', '__proto__', 'constructor']) {
      const response = await postBeacon(collector.url, batchBody([makeEvent()], site), { site });
      expect(response.status).toBe(403);
      expect((await response.json()).error).toMatch(/unknown site/);
    }
  });

  it("refuses one site's origin on another site", async () => {
    const response = await postBeacon(collector.url, batchBody([makeEvent()], 'other'), { site: 'other' });
    expect(response.status).toBe(403);
  });

  it('accepts a request without Origin (a server-side sender)', async () => {
    const response = await postBeacon(collector.url, batchBody([makeEvent()]), { origin: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a preflight from an allowed origin with 204 and the allowed method and headers', async () => {
    const response = await fetch(`${collector.url}/v4/shop`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(response.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('refuses a preflight from another origin or for an unknown site with 403', async () => {
    const headers = { origin: 'https://evil.example', 'access-control-request-method': 'POST' };
    expect((await fetch(`${collector.url}/v4/shop`, { method: 'OPTIONS', headers })).status).toBe(403);
    const unknown = await fetch(`${collector.url}/v4/nope`, { method: 'OPTIONS', headers: { ...headers, origin: 'https://shop.example' } });
    expect(unknown.status).toBe(403);
  });
});
