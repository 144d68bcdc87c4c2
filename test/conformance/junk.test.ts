/**
 * Hostile and broken input: oversized, malformed, random and deeply nested bodies, broken HTTP
 * and aborted requests. Nothing may produce a 5xx or stop the server.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBody, exportAll, makeEvent, postBeacon, signedRequest, startTestCollector, type TestCollector } from '../support/collector';

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(() => collector.dispose());

/** Deterministic PRNG (mulberry32) so that a failing body can be reproduced. */
function createRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = createRandom(20251122);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const STRINGS = ['', 'x', '💥🛒', '\u0000', '\ud800', 'ﷺ'.repeat(50), 'a'.repeat(70_000), '<script>alert(1)</script>', '__proto__', ' 12 '];

function randomValue(depth: number): unknown {
  const kind = Math.floor(random() * (depth > 3 ? 6 : 9));
  switch (kind) {
    case 0: return null;
    case 1: return random() < 0.5;
    case 2: return pick([0, -1, 1.5, 1e308, -1e-308, 2 ** 53 + 1, 17]);
    case 3: case 4: return pick(STRINGS);
    case 5: return pick<unknown>([[], {}, { toString: 1 }, { valueOf: 1, toString: 1 }]); // the last two make String(x) and x == 'a' throw
    case 6: return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 5); i > 0; i--)
        object[pick(['id', 'seq', 'type', 'ts', 'visitor', 'session', 'order', 'url', 'data', 'events', 'v', '__proto__', 'constructor', 'product_id', 'email', 'category', 'metadata'])] = randomValue(depth + 1);
      return object;
    }
  }
}

const deep = (levels: number, open: string, close: string, inner = '1'): string => open.repeat(levels) + inner + close.repeat(levels);

/** An event with one envelope or data field replaced by junk. */
function mutatedEvent(): unknown {
  const event: Record<string, unknown> = { ...makeEvent(), type: pick(['page_view', 'cart_item', 'cart_data', 'conversion', 'customer_email', 'customer_data', 'list_subscription', 'session_metadata', 'product_view', 'cart_item_removed']) };
  event[pick(['id', 'seq', 'type', 'ts', 'visitor', 'session', 'order', 'url', 'data', 'data', 'data'])] = randomValue(0);
  if (random() < 0.3) event.data = randomValue(0);
  return event;
}

function junkBodies(): (string | Uint8Array<ArrayBuffer>)[] {
  const bodies: (string | Uint8Array<ArrayBuffer>)[] = [];
  for (let i = 0; i < 100; i++) bodies.push(Uint8Array.from({ length: Math.floor(random() * 2000) }, () => Math.floor(random() * 256)));
  for (let i = 0; i < 120; i++) bodies.push(JSON.stringify(randomValue(0)) ?? 'undefined');
  for (let i = 0; i < 200; i++) bodies.push(batchBody(Array.from({ length: 1 + Math.floor(random() * 6) }, mutatedEvent)));
  for (let i = 0; i < 40; i++) bodies.push(JSON.stringify({ v: 4, site: 'shop', events: randomValue(0) }));
  bodies.push(
    deep(100_000, '[', ']'),
    deep(100_000, '{"a":', '}'),
    batchBody([{ ...makeEvent(), data: 'DEEP' }]).replace('"DEEP"', deep(50_000, '{"x":', '}')),
    batchBody([{ ...makeEvent(), type: 'customer_data', data: { metadata: 'DEEP' } }]).replace('"DEEP"', deep(50_000, '[', ']')),
    batchBody([{ ...makeEvent(), url: 'u'.repeat(900_000) }]),
    batchBody([{ ...makeEvent(), type: 'cart_item', order: 'o', data: { product_id: 'p', name: 'n'.repeat(900_000) } }]),
    batchBody(Array.from({ length: 6000 }, () => 0)),
    JSON.stringify([batchBody([makeEvent()])]),
    '{"v":4,"events":[' + '{},'.repeat(1000) + '{}]}',
    '\ufeff' + batchBody([makeEvent()]),
    '{"v":4,"events":[{"id":"\\ud800\\udc00\\ud800","seq":1}]}',
    '{"__proto__":{"polluted":1},"v":4,"events":[]}',
    '',
    'null',
    '"just a string"',
    '4',
    '[]',
  );
  return bodies;
}

/** Runs `tasks` with at most `limit` in flight. */
async function inParallel<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await task(items[next++]);
  }));
}

describe('hostile input', () => {
  it('answers 413 to a body over 1 MB, declared or streamed', async () => {
    const big = batchBody([{ ...makeEvent(), url: 'x'.repeat(1024 * 1024) }]);
    const declared = await postBeacon(collector.url, big);
    expect(declared.status).toBe(413);
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 40) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await fetch(`${collector.url}/v4/shop`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('answers 400 with a reason to malformed JSON', async () => {
    for (const body of ['{"v":4,', '{v:4}', "{'v': 4}", 'not json']) {
      const response = await postBeacon(collector.url, body);
      expect(response.status).toBe(400);
      expect((await response.json()).error).toBe('body is not valid JSON');
    }
  });

  it('survives several hundred junk bodies without a 5xx', { timeout: 60_000 }, async () => {
    const bodies = junkBodies();
    expect(bodies.length).toBeGreaterThan(450);
    const statuses = new Map<number, number>();
    await inParallel(bodies, 8, async (body) => {
      const response = await fetch(`${collector.url}/v4/shop`, {
        method: 'POST',
        headers: { origin: 'https://shop.example', 'content-type': 'text/plain' },
        body,
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (![200, 400, 413].includes(response.status)) throw new Error(`status ${response.status} for ${String(body).slice(0, 200)}`);
    });
    expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
    expect(statuses.get(200)).toBeGreaterThan(50); // batches whose junk only hit some events
    expect(statuses.get(400)).toBeGreaterThan(50);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const event = makeEvent();
    const after = await postBeacon(collector.url, batchBody([event]));
    expect(await after.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect((await exportAll(collector.url)).some((stored) => stored.id == event.id)).toBe(true);
  });

  it('answers junk sent to the REST API with 4xx only', { timeout: 30_000 }, async () => {
    const paths = [
      ['POST', '/api/1.0/site/shop/lead/convert'],
      ['POST', '/api/v1/shop/customer/convert/'],
      ['POST', '/api/v1/shop/customer/opt_in/'],
      ['POST', '/api/v1/shop/customers/'],
      ['PUT', '/api/v1/shop/customers/a%40b.example/'],
    ];
    for (let i = 0; i < 150; i++) {
      const [method, path] = pick(paths);
      const value = randomValue(0);
      const payload = random() < 0.5 ? value : { email: 'a@b.example', [pick(['cart_data', 'cart_items', 'campaign_type', 'campaign_id', 'tags', 'metadata', 'age', 'gender', 'birthdate', 'language', 'first_name'])]: value };
      const response = await signedRequest(collector.url, method, path, JSON.stringify(payload) ?? 'x');
      await response.arrayBuffer();
      if (response.status >= 500) throw new Error(`${method} ${path}: ${response.status} for ${JSON.stringify(payload).slice(0, 300)}`);
    }
  });

  it('keeps serving after broken HTTP and aborted uploads', async () => {
    const { port } = collector;
    const rawRequest = (text: string): Promise<string> =>
      new Promise((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(text));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk));
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
      });
    expect(await rawRequest('THIS IS NOT HTTP\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawRequest(`POST /v4/shop HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await rawRequest(`GET /%%%/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);

    // Headers promise 100 KB, a few bytes arrive, then the client vanishes.
    await Promise.all(
      Array.from({ length: 20 }, () =>
        new Promise<void>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write('POST /v4/shop HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n{"v":4,"ev');
            setTimeout(() => {
              socket.destroy();
              resolve();
            }, 20);
          });
          socket.on('error', () => resolve());
        }),
      ),
    );
    const response = await postBeacon(collector.url, batchBody([makeEvent()]));
    expect(response.status).toBe(200);
  });

  it('answers request targets that are not URLs with 400, not a 500 and a stack trace', async () => {
    const rawRequest = (target: string): Promise<string> =>
      new Promise((resolve) => {
        const socket = connect(collector.port, '127.0.0.1', () => socket.end(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk));
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
      });
    for (const target of ['//[', '//[::1', '//a:b@', '/v4//[', '//', '/%E0%A4%A'])
      expect(await rawRequest(target), target).toMatch(/^HTTP\/1\.1 4\d\d/);
    expect((await rawRequest('//[')).split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
  });

  it('refuses a REST body nested thousands of levels deep with 400', async () => {
    const body = `{"email":"deep@shop.example","metadata":${deep(4500, '{"a":', '}')}}`;
    const response = await signedRequest(collector.url, 'POST', '/api/v1/shop/customers/', body);
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatch(/nested deeper than/);
    const shallow = await signedRequest(collector.url, 'POST', '/api/v1/shop/customers/', { email: 'deep@shop.example', metadata: { a: { b: [1, { c: 2 }] } } });
    expect(shallow.status).toBe(201);
  });
});

describe('slow requests', () => {
  it('answers a request that does not arrive in time with 408, which clients retry', { timeout: 20_000 }, async () => {
    const slow = await startTestCollector({ requestTimeoutMs: 800 });
    try {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(slow.port, '127.0.0.1', () =>
          socket.write('POST /v4/shop HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n{"v":4,'),
        );
        let text = '';
        socket.on('data', (chunk) => (text += chunk));
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await slow.dispose();
    }
  });
});
