/**
 * The batching beacon sender (PROTOCOL.md "Delivery semantics"): events wait in memory and in
 * the persisted outbox until the collector answers 200 or a status that retrying cannot fix.
 * One batch is in flight at a time; failures back off; whatever is pending when the page hides
 * goes out with `sendBeacon`. Serialization and storage writes happen in idle time or at hide,
 * never on a push.
 */
import type { WireEvent } from '../protocol/types';
import { whenIdle } from './when';
import { report } from './report';
import { REFUSED, RETRYING, SENDING } from './report-codes';
import { createOutboxStore, KEY_PREFIX, sizeOf } from './outbox-store';
import { classifyStatus, DONE, DROP, parseRetryAfter, RETRY, retryDelayMs, SPLIT } from './retry';
import { beaconBody, postBody } from './transport';

declare const __VERSION__: string;

export const FLUSH_DELAY_MS = 1000;
export const MAX_BATCH_EVENTS = 20;
export const MAX_BATCH_BYTES = 16 * 1024;
/** Browsers refuse keepalive and beacon bodies past 64 KB in flight; stay under it. */
export const MAX_KEEPALIVE_BYTES = 60 * 1024;

export interface Sender {
  /** Queues an event; `urgent` sends it at once (conversions). */
  _add(event: WireEvent, urgent?: unknown): void;
  _setSite(site: string): void;
  _setEndpoint(endpoint: string): void;
  _hide(leaving: boolean): void;
  _restore(): void;
  _online(): void;
}

export function createSender(pageId: string): Sender {
  const store = createOutboxStore(pageId);
  const beaconed = new WeakSet<WireEvent>();
  let queue: WireEvent[] = [];
  /** The batch sent last, until it is answered 200 or given up; a failed one until its retry. */
  let inFlight: WireEvent[] = [];
  let site = '';
  let endpoint = '';
  /** One timer for the next flush, whether a batching delay or a retry backoff. */
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt = Infinity;
  let retrying: unknown;
  let attempt = 0;
  /**
   * Whether a beacon at page hide can be trusted to arrive unseen. 1 while requests succeed. 0
   * from a failed request until the next success: the outbox then keeps every event for the next
   * page. 2 after a network error until the page outlives it (its retry): beacons are trusted,
   * and only the failed batch stays in the outbox. Chromium fails keepalive requests around a
   * navigation: one started as the next page is about to commit fails at once without leaving
   * the browser, one in flight may fail in the task that dispatches `pagehide` (before our
   * listener or after it) although it reached the collector. Neither says the collector is down;
   * counting them as failures would leave every beaconed event in the outbox for the next page
   * to send again. A network error reported after `pagehide` leaves it at 1: the batch counts as
   * in flight, as a keepalive request does.
   */
  let healthy = 1;
  let maxEvents = MAX_BATCH_EVENTS;
  let saveQueued: unknown;
  /** Set at `pagehide` until a back/forward-cache restore: every save marks the outbox adoptable. */
  let left = false;

  const ready = () => site && endpoint;
  const url = () => endpoint + '/v4/' + encodeURIComponent(site);
  const body = (events: WireEvent[]) =>
    JSON.stringify({ v: 4, lib: __VERSION__, site, sent_at: Date.now(), events });
  const notIn = (events: WireEvent[]) => (event: WireEvent) => events.indexOf(event) < 0;
  // After a failure a beacon may fail unseen too: then the outbox keeps its events for the next
  // page (`_hide` removes the beaconed ones while `healthy` is 2). Otherwise a beacon, and a
  // keepalive request still in flight when the page left, count as delivered.
  const save = () =>
    ready() && store._save(site, endpoint, left && healthy & 1 ? queue.filter(notIn(inFlight)) : queue, left);

  const saveWhenIdle = (): void => {
    saveQueued ||= whenIdle(() => {
      saveQueued = 0;
      // A large backlog goes out now instead of at the end of the batching delay.
      if ((save() as number) > MAX_BATCH_BYTES) schedule(0);
    });
  };

  /** Flushes in `delayMs` unless a flush comes sooner; a retry backoff is never shortened. */
  const schedule = (delayMs: number): void => {
    if (!retrying && Date.now() + delayMs < timerAt) {
      clearTimeout(timer);
      timerAt = Date.now() + delayMs;
      timer = setTimeout(flush, delayMs);
    }
  };

  const flush = (): void => {
    clearTimeout(timer);
    timerAt = Infinity;
    if (retrying) inFlight = []; // the failed batch goes again
    retrying = 0;
    if (inFlight.length || !ready()) return;
    healthy &= 1; // the page outlived a network error: it was one
    let bytes = 0;
    const batch = queue.filter(
      (event, index) => index < maxEvents && ((bytes += sizeOf(event)) < MAX_BATCH_BYTES || !index),
    );
    if (!batch.length) return;
    inFlight = batch;
    const text = body(batch);
    report(SENDING, batch);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a body under 20,000 units fits `keepalive`
    // without a Blob to count its bytes (creating one costs a round trip to the browser process).
    postBody(url(), text, text.length < 2e4 || new Blob([text]).size <= MAX_KEEPALIVE_BYTES)
      .then(([status, retryAfter]) => settle(batch, status, retryAfter))
      .catch(report);
  };

  const settle = (batch: WireEvent[], status: number, retryAfter: string | null): void => {
    const outcome = classifyStatus(status);
    if (outcome == RETRY) {
      if (status || !left) healthy &&= status ? 0 : 2;
      const delay = retryDelayMs(++attempt, Math.random(), parseRetryAfter(retryAfter, Date.now()));
      report(RETRYING, status, delay);
      timerAt = Infinity; // a batching flush due sooner must not cut the backoff short
      schedule(delay);
      retrying = 1;
      save(); // keeps the outbox's lease fresh during a long outage
      return;
    }
    inFlight = [];
    if (outcome == SPLIT && batch[1]) maxEvents = batch.length >> 1;
    else {
      if (outcome == DROP) report(REFUSED, status);
      healthy ||= +(outcome == DONE);
      attempt = 0;
      maxEvents = MAX_BATCH_EVENTS;
      queue = queue.filter(notIn(batch));
      saveWhenIdle();
    }
    flush();
  };

  /**
   * Sends `events` by sendBeacon, halving any part over 60 KB or refused by the browser; stops
   * when a single event is refused (the page's beacon quota is spent: the outbox keeps the rest).
   */
  let refused: unknown;
  const beacon = (events: WireEvent[]): void => {
    if (refused || !events.length) return;
    const text = body(events);
    if (text.length < MAX_KEEPALIVE_BYTES && beaconBody(url(), text)) events.map((event) => beaconed.add(event));
    else if (events[1]) {
      beacon(events.slice(0, events.length >> 1));
      beacon(events.slice(events.length >> 1));
    } else refused = 1;
  };

  const adopt = (): void => {
    // Two pages loading at once must not both adopt the same outbox. Browsers without Web Locks
    // (none of the supported ones) adopt unguarded: at worst a duplicate the collector drops.
    const take = (): void => {
      const adopted = store._adopt(site, endpoint);
      if (adopted.length) {
        queue = adopted.concat(queue);
        save(); // theirs are ours now: store before anything else can go wrong
        schedule(0);
      }
    };
    if (navigator.locks)
      navigator.locks.request(KEY_PREFIX, { ifAvailable: true }, (lock) => lock && take()).catch(report);
    else take();
  };

  const start = (): void => {
    if (ready()) {
      whenIdle(adopt);
      saveWhenIdle();
      schedule(queue.length ? 0 : FLUSH_DELAY_MS);
    }
  };

  return {
    _add(event, urgent) {
      queue.push(event);
      saveWhenIdle();
      schedule(urgent || queue.length - inFlight.length >= maxEvents ? 0 : FLUSH_DELAY_MS);
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
      if (!ready() || !queue.length) return;
      refused = 0;
      // Each event goes out by beacon once per page: visibilitychange and pagehide both come here.
      if (navigator.onLine)
        beacon(queue.filter(notIn(inFlight)).filter((event) => !beaconed.has(event)));
      if (healthy) queue = queue.filter((event) => !beaconed.has(event));
      left ||= leaving;
      save();
    },
    _restore() {
      // While the page sat in the back/forward cache another page may have adopted its outbox,
      // which held everything but a batch in flight while the collector was healthy.
      if (!store._isOwned()) queue = healthy & 1 ? inFlight.slice() : [];
      left = false;
      save();
      schedule(0);
    },
    _online() {
      whenIdle(adopt);
      flush();
    },
  };
}
