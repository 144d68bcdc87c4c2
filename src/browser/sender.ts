/**
 * The batching beacon sender (PROTOCOL.md "Delivery semantics"): events wait in memory and in
 * the persisted outbox until the collector answers 200 or a status that retrying cannot fix.
 * One batch is in flight at a time; failures back off; whatever is pending when the page hides
 * goes out with `sendBeacon`.
 */
import type { WireEvent } from '../protocol/types';
import { log, warn } from './log';
import { createOutboxStore, toJSON, type QueuedEvent } from './outbox-store';
import { classifyStatus, parseRetryAfter, retryDelayMs } from './retry';
import { tryGetItem, trySetItem } from './storage';
import { beaconBody, postBody } from './transport';

declare const __VERSION__: string;

export const FLUSH_DELAY_MS = 1000;
export const MAX_BATCH_EVENTS = 20;
export const MAX_BATCH_BYTES = 16 * 1024;
/** Browsers refuse keepalive and beacon bodies past 64 KB in flight; stay under it. */
export const MAX_KEEPALIVE_BYTES = 60 * 1024;
const ADOPT_LEASE_KEY = 'rejoiner:adopt:v1';
const ADOPT_LEASE_MS = 5000;

export interface Sender {
  /** Queues an event; `urgent` sends it at once (conversions). */
  _add(event: WireEvent, urgent?: boolean): void;
  _setSite(site: string): void;
  _setEndpoint(endpoint: string): void;
  _hide(leaving: boolean): void;
  _restore(): void;
  _online(): void;
}

const whenIdle = (callback: () => void): void => {
  if (typeof requestIdleCallback == 'function') requestIdleCallback(callback, { timeout: 1000 });
  else setTimeout(callback, 50);
};

const byteLength = (text: string): number => new Blob([text]).size;

export function createSender(pageId: string): Sender {
  const store = createOutboxStore(pageId);
  let queue: QueuedEvent[] = [];
  let site = '';
  let endpoint = '';
  let inFlight: QueuedEvent[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let flushAt = Infinity;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  /** False from a failed request until the next success: then nothing counts as delivered unseen. */
  let healthy = true;
  let maxEvents = MAX_BATCH_EVENTS;
  let saveQueued = false;

  const url = () => endpoint + '/v4/' + encodeURIComponent(site);
  const body = (items: QueuedEvent[]) =>
    `{"v":4,"lib":"${__VERSION__}","site":${JSON.stringify(site)},"sent_at":${Date.now()},"events":[${items.map(toJSON)}]}`;
  const notInFlight = (item: QueuedEvent) => inFlight.indexOf(item) < 0;
  const without = (items: QueuedEvent[]) => queue.filter((item) => items.indexOf(item) < 0);

  const save = (leaving: boolean, items = queue): void => {
    if (site && endpoint) store._save(site, endpoint, items, leaving);
  };

  const saveWhenIdle = (): void => {
    if (saveQueued) return;
    saveQueued = true;
    whenIdle(() => {
      saveQueued = false;
      save(false);
      // Serializing happened in the save: a large backlog goes out now instead of in a second.
      let bytes = 0;
      for (const item of queue) bytes += toJSON(item).length;
      if (bytes >= MAX_BATCH_BYTES) scheduleFlush(0);
    });
  };

  const scheduleFlush = (delayMs: number): void => {
    const at = Date.now() + delayMs;
    if (at >= flushAt) return;
    clearTimeout(flushTimer);
    flushAt = at;
    flushTimer = setTimeout(() => {
      flushAt = Infinity;
      flush();
    }, delayMs);
  };

  const flush = (): void => {
    if (inFlight.length || retryTimer || !site || !endpoint) return;
    const batch: QueuedEvent[] = [];
    let bytes = 0;
    for (const item of queue) {
      bytes += toJSON(item).length;
      if (batch.length >= maxEvents || (batch.length && bytes > MAX_BATCH_BYTES)) break;
      batch.push(item);
    }
    if (!batch.length) return;
    inFlight = batch;
    const text = body(batch);
    log('sending', batch.length, 'events');
    postBody(url(), text, byteLength(text) <= MAX_KEEPALIVE_BYTES)
      .then(([status, retryAfter]) => settle(batch, status, retryAfter))
      .catch(warn);
  };

  const settle = (batch: QueuedEvent[], status: number, retryAfter: string | null): void => {
    inFlight = [];
    const outcome = classifyStatus(status);
    if (outcome == 'retry') {
      healthy = false;
      const delay = retryDelayMs(++attempt, Math.random(), parseRetryAfter(retryAfter, Date.now()));
      log('status', status, '- retrying in', Math.round(delay), 'ms');
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        flush();
      }, delay);
      return;
    }
    if (outcome == 'split' && batch.length > 1) maxEvents = Math.ceil(batch.length / 2);
    else {
      if (outcome != 'done') warn('collector refused a batch with status', status);
      if (outcome == 'done') healthy = true;
      attempt = 0;
      maxEvents = MAX_BATCH_EVENTS;
      queue = without(batch);
      saveWhenIdle();
    }
    flush();
  };

  /** Sends `items` with sendBeacon in chunks, halving a chunk the browser refuses. */
  const beacon = (items: QueuedEvent[]): QueuedEvent[] => {
    const sent: QueuedEvent[] = [];
    let refused = false;
    const send = (chunk: QueuedEvent[]): void => {
      if (refused || !chunk.length) return;
      if (beaconBody(url(), body(chunk))) sent.push(...chunk);
      else if (chunk.length > 1) {
        send(chunk.slice(0, chunk.length >> 1));
        send(chunk.slice(chunk.length >> 1));
      } else refused = true; // the browser's beacon quota is spent: the outbox keeps the rest
    };
    let chunk: QueuedEvent[] = [];
    let bytes = 0;
    for (const item of items) {
      const size = toJSON(item).length + 1;
      if (bytes + size > MAX_KEEPALIVE_BYTES - 200) {
        send(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(item);
      bytes += size;
    }
    send(chunk);
    return sent;
  };

  const adopt = (): void => {
    const take = (): void => {
      const known: Record<string, 1> = {};
      for (const item of queue) known[item._event.id] = 1;
      const adopted = store._adopt(site, endpoint).filter((event) => !known[event.id]);
      if (!adopted.length) return;
      log('resending', adopted.length, 'stored events');
      queue = adopted.map((event): QueuedEvent => ({ _event: event })).concat(queue);
      save(false); // theirs are ours now: store before anything else can go wrong
      scheduleFlush(0);
    };
    // Two pages loading at once must not both adopt the same outbox.
    const locks = navigator.locks;
    if (locks)
      locks.request('rejoiner:outbox', { ifAvailable: true }, (lock) => lock && take()).catch(warn);
    else if (!(Date.now() - +(tryGetItem(ADOPT_LEASE_KEY) || 0) < ADOPT_LEASE_MS)) {
      trySetItem(ADOPT_LEASE_KEY, '' + Date.now());
      take();
      trySetItem(ADOPT_LEASE_KEY, null);
    }
  };

  const start = (): void => {
    if (!site || !endpoint) return;
    whenIdle(adopt);
    saveWhenIdle();
    scheduleFlush(queue.length ? 0 : FLUSH_DELAY_MS);
  };

  return {
    _add(event, urgent) {
      queue.push({ _event: event });
      saveWhenIdle();
      scheduleFlush(urgent || queue.length - inFlight.length >= maxEvents ? 0 : FLUSH_DELAY_MS);
    },
    _setSite(value) {
      site = value;
      start();
    },
    _setEndpoint(value) {
      endpoint = value;
      start();
    },
    _hide(leaving) {
      if (!site || !endpoint || !queue.length) return;
      clearTimeout(flushTimer);
      flushAt = Infinity;
      // Each event goes out by beacon once per page: visibilitychange and pagehide both call this.
      const sent =
        navigator.onLine === false ? [] : beacon(queue.filter((item) => notInFlight(item) && !item._beaconed));
      for (const item of sent) item._beaconed = 1;
      // After a failure, a beacon may fail unseen too: keep its events for the next page.
      if (healthy) queue = without(sent);
      save(leaving, healthy && leaving ? queue.filter(notInFlight) : queue);
    },
    _restore() {
      // While the page sat in the back/forward cache another page may have adopted its outbox.
      if (!store._isOwned()) queue = inFlight.slice();
      save(false);
      scheduleFlush(0);
    },
    _online() {
      if (retryTimer) {
        clearTimeout(retryTimer);
        retryTimer = undefined;
      }
      whenIdle(adopt);
      flush();
    },
  };
}
