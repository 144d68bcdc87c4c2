// @vitest-environment happy-dom
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WireEvent } from '../../src/protocol/types';
import { createSender } from '../../src/browser/sender';
import type { Reply, Transport } from '../../src/browser/transport';

// The sender's transport is an argument: these fakes stand for fetch and sendBeacon.
const post = vi.fn<Transport['postBody']>();
const beacon = vi.fn<Transport['beaconBody']>();
const loadAdopt = () => import('../../src/adopt/index');
const newSender = (pageId: string) => createSender(pageId, post, beacon, loadAdopt);

let seq = 0;
const event = (type = 'product_view', extra = ''): WireEvent =>
  ({
    id: `e${++seq}`,
    seq,
    type,
    ts: Date.now(),
    visitor: 'v',
    session: 's',
    order: null,
    url: 'https://shop.example/',
    data: { product_id: 'p' + seq + extra },
  }) as WireEvent;

/** Replies to POSTs in order; the last reply repeats. */
const replies = (...list: Reply[]) => {
  post.mockImplementation(() => Promise.resolve(list.length > 1 ? list.shift()! : list[0]));
};
const sentIds = (call: number) => JSON.parse(post.mock.calls[call][1]).events.map((e: WireEvent) => e.id);
/** The events of every beacon the browser accepted. */
const beaconedEvents = (): WireEvent[] =>
  beacon.mock.calls.filter((_, i) => beacon.mock.results[i].value).flatMap(([, body]) => JSON.parse(body).events);
/** The events a page left in its outbox (none when it has no key). */
const storedEvents = (pageId: string): WireEvent[] =>
  JSON.parse(localStorage.getItem('rejoiner:queue:v1:' + pageId) ?? '{"e":[]}').e;

const ready = (pageId = 'page1') => {
  const sender = newSender(pageId);
  sender._setEndpoint('https://collector.example');
  sender._setSite('site1');
  return sender;
};

beforeAll(async () => {
  await loadAdopt(); // loaded once here, so that a page's adoption is not slowed by a first import
});
beforeEach(() => {
  vi.useFakeTimers();
  post.mockReset();
  beacon.mockReset();
  replies([200, null]);
  localStorage.clear();
  Object.defineProperty(navigator, 'onLine', { value: true, configurable: true });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('batching', () => {
  it('does not send right away, then sends one batch after about a second', async () => {
    const sender = ready();
    sender._add(event());
    sender._add(event());
    await vi.advanceTimersByTimeAsync(900);
    expect(post).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(200);
    expect(post).toHaveBeenCalledTimes(1);
    const [url, body, keepalive] = post.mock.calls[0];
    expect(url).toBe('https://collector.example/v4/site1');
    expect(keepalive).toBe(true);
    expect(JSON.parse(body)).toMatchObject({ v: 4, lib: '1.0.0', site: 'site1', events: [{ id: expect.any(String) }, {}] });
  });

  it('sends at once at 20 events, and never more than 20 in a batch', async () => {
    const sender = ready();
    for (let i = 0; i < 45; i++) sender._add(event());
    await vi.advanceTimersByTimeAsync(1);
    expect(post).toHaveBeenCalledTimes(3);
    expect([0, 1, 2].map((call) => sentIds(call).length)).toEqual([20, 20, 5]);
  });

  it('cuts a batch near 16 KB', async () => {
    const sender = ready();
    for (let i = 0; i < 10; i++) sender._add(event('product_view', 'x'.repeat(3000)));
    await vi.advanceTimersByTimeAsync(1100);
    const sizes = post.mock.calls.map((call) => call[1].length);
    expect(post.mock.calls.length).toBeGreaterThan(1);
    for (const size of sizes) expect(size).toBeLessThan(17 * 1024);
  });

  it('sends a conversion at once', async () => {
    const sender = ready();
    sender._add(event('conversion'), true);
    await vi.advanceTimersByTimeAsync(1);
    expect(post).toHaveBeenCalledTimes(1);
  });

  it('holds events until both site and endpoint are known', async () => {
    const sender = newSender('p');
    sender._add(event());
    await vi.advanceTimersByTimeAsync(5000);
    sender._setEndpoint('https://collector.example');
    await vi.advanceTimersByTimeAsync(5000);
    expect(post).not.toHaveBeenCalled();
    sender._setSite('late');
    await vi.advanceTimersByTimeAsync(10);
    expect(post).toHaveBeenCalledTimes(1);
  });

  it('keeps one request in flight at a time', async () => {
    let resolve!: (reply: Reply) => void;
    post.mockImplementation(() => new Promise((r) => (resolve = r)));
    const sender = ready();
    for (let i = 0; i < 25; i++) sender._add(event());
    await vi.advanceTimersByTimeAsync(3000);
    expect(post).toHaveBeenCalledTimes(1);
    resolve([200, null]);
    await vi.advanceTimersByTimeAsync(1);
    expect(post).toHaveBeenCalledTimes(2);
  });
});

describe('responses', () => {
  it('retries a 5xx storm with growing delays, keeping the event ids', async () => {
    replies([503, null], [500, null], [502, null], [200, null]);
    const sender = ready();
    sender._add(event());
    await vi.advanceTimersByTimeAsync(1000);
    const times: number[] = [];
    post.mockClear();
    const start = Date.now();
    post.mockImplementation(() => {
      times.push(Date.now() - start);
      return Promise.resolve(times.length < 3 ? ([500, null] as Reply) : ([200, null] as Reply));
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times).toHaveLength(3);
    expect(times[0]).toBeGreaterThanOrEqual(250);
    expect(times[0]).toBeLessThanOrEqual(500);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(500);
    expect(times[1] - times[0]).toBeLessThanOrEqual(1000);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(1000);
    const ids = post.mock.calls.map((_, i) => sentIds(i).join());
    expect(new Set(ids).size).toBe(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(post).toHaveBeenCalledTimes(3);
  });

  it('waits for Retry-After on 429', async () => {
    replies([429, '30'], [200, null]);
    const sender = ready();
    sender._add(event());
    await vi.advanceTimersByTimeAsync(1000);
    expect(post).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(post).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(post).toHaveBeenCalledTimes(2);
  });

  it.each([400, 403, 404, 422])('drops a batch answered %i and never retries it', async (status) => {
    replies([status, null]);
    const sender = ready();
    sender._add(event());
    await vi.advanceTimersByTimeAsync(120_000);
    expect(post).toHaveBeenCalledTimes(1);
    expect(localStorage.length).toBe(0);
  });

  it('splits a batch answered 413 and delivers both halves', async () => {
    const sender = ready();
    post.mockImplementation((_url, body) =>
      Promise.resolve(JSON.parse(body).events.length > 5 ? ([413, null] as Reply) : ([200, null] as Reply)),
    );
    for (let i = 0; i < 20; i++) sender._add(event());
    await vi.advanceTimersByTimeAsync(100);
    const delivered = post.mock.calls
      .filter((call) => JSON.parse(call[1]).events.length <= 5)
      .flatMap((call) => JSON.parse(call[1]).events.map((e: WireEvent) => e.id));
    expect(delivered).toHaveLength(20);
    expect(new Set(delivered).size).toBe(20);
  });

  it('sends at once when the browser comes back online', async () => {
    replies([0, null]); // offline until the \`online\` event, whatever the jitter of the backoff
    const sender = ready();
    sender._add(event());
    await vi.advanceTimersByTimeAsync(20_000);
    const before = post.mock.calls.length;
    replies([200, null]);
    sender._online();
    await vi.advanceTimersByTimeAsync(1);
    expect(post.mock.calls.length).toBe(before + 1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(post.mock.calls.length).toBe(before + 1);
  });
});

describe('page hide and the persisted outbox', () => {
  it('beacons what is pending at page hide and forgets it when the collector was healthy', async () => {
    beacon.mockReturnValue(true);
    const sender = ready();
    sender._add(event());
    sender._add(event());
    sender._hide(true);
    expect(beacon).toHaveBeenCalledTimes(1);
    expect(JSON.parse(beacon.mock.calls[0][1]).events).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(post).not.toHaveBeenCalled();
    expect(Object.keys(localStorage).filter((k) => k.startsWith('rejoiner:queue'))).toEqual([]);
  });

  it('beacons each event once when visibilitychange and pagehide both fire', () => {
    beacon.mockReturnValue(true);
    replies([500, null]);
    const sender = ready();
    sender._add(event());
    sender._hide(false);
    sender._hide(true);
    expect(beacon).toHaveBeenCalledTimes(1);
  });

  it('keeps beaconed events for the next page after a failure, and that page sends them', async () => {
    beacon.mockReturnValue(true);
    replies([503, null]);
    const first = ready('first');
    first._add(event());
    await vi.advanceTimersByTimeAsync(1000);
    first._add(event());
    first._hide(true);
    replies([200, null]);
    post.mockClear();
    ready('second');
    // The adopt module loads on demand (an import, not a timer): wait for its send.
    await vi.waitFor(() => expect(post).toHaveBeenCalledTimes(1), { interval: 10 });
    expect(sentIds(0)).toHaveLength(2);
  });

  // Around a navigation Chromium fails keepalive requests: one started as the next page is about
  // to commit fails at once without leaving the browser; one in flight may fail in the task that
  // dispatches `pagehide`. Neither means the collector is down.
  const failThenLeave = async (msBetween: number) => {
    beacon.mockReturnValue(true);
    post.mockImplementation(() => new Promise(() => {})); // answered by nothing but the first
    post.mockImplementationOnce(() => Promise.resolve([0, null]));
    const sender = ready('leaving');
    for (let i = 0; i < 25; i++) sender._add(event());
    await vi.advanceTimersByTimeAsync(1); // the first 20 go out at once and fail
    await vi.advanceTimersByTimeAsync(msBetween);
    sender._hide(true);
    return { beaconed: beaconedEvents().length, stored: storedEvents('leaving').length, posts: post.mock.calls.length };
  };

  it('a network error right before the page leaves: the rest beaconed and trusted, the failed batch kept for the next page', async () => {
    expect(await failThenLeave(0)).toEqual({ beaconed: 5, stored: 20, posts: 1 });
  });

  it('a network error the page outlived to retry is a failure: beaconed events stay in the outbox', async () => {
    // The first retry comes 250-500 ms after the failure; it is still in flight at page hide.
    expect(await failThenLeave(600)).toEqual({ beaconed: 5, stored: 25, posts: 2 });
  });

  it('offline, nothing is beaconed and everything stays in the outbox', async () => {
    Object.defineProperty(navigator, 'onLine', { value: false, configurable: true });
    expect(await failThenLeave(0)).toEqual({ beaconed: 0, stored: 25, posts: 1 });
  });

  it('a request failing after pagehide counts as in flight: neither beaconed nor kept', async () => {
    beacon.mockReturnValue(true);
    let answer!: (reply: Reply) => void;
    post.mockImplementation(() => new Promise((resolve) => (answer = resolve)));
    const sender = ready('unloading');
    for (let i = 0; i < 25; i++) sender._add(event());
    await vi.advanceTimersByTimeAsync(1);
    sender._hide(true);
    answer([0, null]); // the unload cut the keepalive request, which reached the collector
    await vi.advanceTimersByTimeAsync(0);
    sender._hide(false); // visibilitychange follows pagehide
    expect(beaconedEvents()).toHaveLength(5);
    expect(localStorage.getItem('rejoiner:queue:v1:unloading')).toBeNull();
  });

  it('restored from the back/forward cache after another page adopted its outbox, a page does not resend the failed batch', async () => {
    beacon.mockReturnValue(true);
    replies([503, null]);
    const first = ready('cached');
    const events = [event(), event(), event()];
    events.forEach((e) => first._add(e));
    await vi.advanceTimersByTimeAsync(1000); // sent, 503: waiting for its retry
    first._hide(true); // into the back/forward cache; the outbox keeps all three
    replies([200, null]);
    ready('adopter');
    await vi.advanceTimersByTimeAsync(100);
    first._restore();
    await vi.advanceTimersByTimeAsync(120_000);
    const sends = post.mock.calls.flatMap((_, call) => sentIds(call)).filter((id: string) => id == events[0].id);
    expect(sends).toHaveLength(2); // the 503 and the adopting page's, not a third from the restored page
  });

  it('splits beacons under 60 KB and leaves what the browser refuses in the outbox', async () => {
    let quota = 64 * 1024;
    beacon.mockImplementation((_url, body) => (body.length <= quota ? ((quota -= body.length), true) : false));
    post.mockImplementation(() => new Promise(() => {})); // the page leaves before any answer
    const sender = ready('big');
    for (let i = 0; i < 300; i++) sender._add(event('product_view', 'y'.repeat(450)));
    sender._hide(true);
    for (const [, body] of beacon.mock.calls.filter((_, i) => beacon.mock.results[i].value))
      expect(body.length).toBeLessThanOrEqual(60 * 1024);
    const stored = JSON.parse(localStorage.getItem('rejoiner:queue:v1:big')!);
    const beaconedCount = beaconedEvents().length;
    expect(beaconedCount).toBeGreaterThan(50);
    expect(stored.h).toBe(1);
    expect(stored.e.length).toBe(Math.min(200, 300 - beaconedCount));
  });

  it('does not adopt the outbox of a page that is still open', async () => {
    // Full jitter makes the open page's retries land at 1.5, 2.5 and 4.5 s: none in the window
    // below, so any send in it would be the other page adopting.
    vi.spyOn(Math, 'random').mockReturnValue(1);
    replies([503, null]);
    const first = ready('open-tab');
    first._add(event());
    await vi.advanceTimersByTimeAsync(3000);
    expect(localStorage.getItem('rejoiner:queue:v1:open-tab')).toBeTruthy();
    post.mockClear();
    replies([200, null]);
    ready('other-tab');
    await vi.advanceTimersByTimeAsync(1200);
    expect(post).not.toHaveBeenCalled();
    expect(localStorage.getItem('rejoiner:queue:v1:open-tab')).toBeTruthy();
  });

  it('loads the adopt module only when another page left an outbox', async () => {
    const load = vi.fn(loadAdopt);
    const alone = createSender('alone', post, beacon, load);
    alone._setEndpoint('https://collector.example');
    alone._setSite('s');
    await vi.advanceTimersByTimeAsync(2000);
    expect(load).not.toHaveBeenCalled();
    localStorage.setItem('rejoiner:queue:v1:gone', JSON.stringify({ t: Date.now(), h: 1, s: 'x', u: 'y', e: [] }));
    const other = createSender('next', post, beacon, load);
    other._setEndpoint('https://collector.example');
    other._setSite('s');
    await vi.advanceTimersByTimeAsync(2000);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('stores at most 200 events, dropping the oldest', async () => {
    post.mockImplementation(() => new Promise(() => {}));
    const sender = ready('cap');
    const events = Array.from({ length: 250 }, () => event());
    for (const e of events) sender._add(e);
    await vi.advanceTimersByTimeAsync(100);
    const stored = JSON.parse(localStorage.getItem('rejoiner:queue:v1:cap')!);
    expect(stored.e).toHaveLength(200);
    expect(stored.e[0].id).toBe(events[50].id);
  });

  it('keeps working in memory when storage throws', async () => {
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new Error('QuotaExceededError');
    });
    const sender = ready('blocked');
    sender._add(event());
    await vi.advanceTimersByTimeAsync(1100);
    expect(post).toHaveBeenCalledTimes(1);
  });
});

describe('backoff', () => {
  it('is not cut short by a flush that was already due', async () => {
    let resolve!: (reply: Reply) => void;
    post.mockImplementationOnce(() => new Promise((r) => (resolve = r)));
    const sender = ready();
    sender._add(event(), true);
    await vi.advanceTimersByTimeAsync(1);
    // While the first request is in flight, a conversion asks for an immediate flush.
    sender._add(event('conversion'), true);
    post.mockImplementation(() => Promise.resolve([200, null] as Reply));
    resolve([429, '30']);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(post).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(post).toHaveBeenCalledTimes(2);
  });
});
