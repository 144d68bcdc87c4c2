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
import type { Adopt } from './boot';
import type { Transport } from './transport';

declare const __VERSION__: string;

export const FLUSH_DELAY_MS = 1000;
export const MAX_BATCH_EVENTS = 20;
export const MAX_BATCH_BYTES = 16 * 1024;
/** Browsers refuse keepalive and beacon bodies past 64 KB in flight; stay under it. */
export const MAX_KEEPALIVE_BYTES = 60 * 1024;

/**
 * Whether a beacon at page hide can be trusted to arrive unseen, from what the collector answered
 * lately. Chromium fails keepalive requests around a navigation: one started as the next page is
 * about to commit fails at once without leaving the browser, one in flight may fail in the task
 * that dispatches `pagehide` (before our listener or after it) although it reached the
 * collector. Neither says the collector is down; counting them as failures would leave every
 * beaconed event in the outbox for the next page to send again.
 */
/** Requests succeed: beacons are trusted, a batch in flight at page leave counts as delivered. */
const HEALTHY = 1;
/**
 * A request failed (a status, or a network error the page outlived to its retry): until the next
 * success the outbox keeps every event for the next page, beaconed or not.
 */
const FAILING = 0;
/**
 * A network error the page has not outlived yet: maybe Chromium's cancelling at a navigation.
 * Beacons are trusted, and only the failed batch stays in the outbox. A network error reported
 * after `pagehide` changes nothing: the batch counts as in flight, as a keepalive request does.
 */
const UNSURE = 2;
type Health = typeof HEALTHY | typeof FAILING | typeof UNSURE;

export interface Sender {
  /** Queues an event; `urgent` sends it at once (conversions). */
  _add(event: WireEvent, urgent?: unknown): void;
  _setSite(site: string): void;
  _setEndpoint(endpoint: string): void;
  _hide(leaving: boolean): void;
  _restore(): void;
  _online(): void;
}

/**
 * The sender of one page (`pageId` names its outbox key). The network is transport.ts's
 * `postBody` and `beaconBody` (tests hand in fakes); `loadAdopt` imports the adopt module when
 * another page's outbox is there.
 */
export function createSender(
  pageId: string,
  postBody: Transport['postBody'],
  beaconBody: Transport['beaconBody'],
  loadAdopt: () => Promise<{ default: Adopt }>,
): Sender {
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
  /** A failed batch waits for its retry (the timer then holds the backoff, never shortened). */
  let retrying = false;
  let attempt = 0;
  let health: Health = HEALTHY;
  let maxEvents = MAX_BATCH_EVENTS;
  let saveQueued = false;
  /** Set at `pagehide` until a back/forward-cache restore: every save marks the outbox adoptable. */
  let left = false;

  const ready = () => site && endpoint;
  const url = () => endpoint + '/v4/' + encodeURIComponent(site);
  const body = (events: WireEvent[]) =>
    JSON.stringify({ v: 4, lib: __VERSION__, site, sent_at: Date.now(), events });
  const notIn = (events: WireEvent[]) => (event: WireEvent) => events.indexOf(event) < 0;
  // While healthy, a batch still in flight when the page left counts as delivered (`_hide` drops
  // the beaconed events unless failing).
  const save = () =>
    ready() && store._save(site, endpoint, left && health == HEALTHY ? queue.filter(notIn(inFlight)) : queue, left);

  const saveWhenIdle = (): void => {
    if (saveQueued) return;
    saveQueued = true;
    whenIdle(() => {
      saveQueued = false;
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
    retrying = false;
    if (inFlight.length || !ready()) return;
    if (health == UNSURE) health = FAILING; // the page outlived a network error: it was one
    // The oldest events, up to maxEvents and MAX_BATCH_BYTES; one larger event goes alone.
    const batch: WireEvent[] = [];
    let bytes = 0;
    for (const event of queue) {
      bytes += sizeOf(event);
      if (batch.length == maxEvents || (batch.length && bytes >= MAX_BATCH_BYTES)) break;
      batch.push(event);
    }
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
      if (status) health = FAILING;
      else if (!left && health == HEALTHY) health = UNSURE;
      const delay = retryDelayMs(++attempt, Math.random(), parseRetryAfter(retryAfter, Date.now()));
      report(RETRYING, status, delay);
      timerAt = Infinity; // a batching flush due sooner must not cut the backoff short
      schedule(delay);
      retrying = true;
      save(); // keeps the outbox's lease fresh during a long outage
      return;
    }
    inFlight = [];
    if (outcome == SPLIT && batch[1]) maxEvents = Math.ceil(batch.length / 2);
    else {
      if (outcome == DROP) report(REFUSED, status);
      if (outcome == DONE) health = HEALTHY;
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
  /** The browser refused a single event's beacon: its quota is spent until the next hide. */
  let beaconsRefused = false;
  const beacon = (events: WireEvent[]): void => {
    if (beaconsRefused || !events.length) return;
    const text = body(events);
    if (text.length < MAX_KEEPALIVE_BYTES && beaconBody(url(), text)) events.map((event) => beaconed.add(event));
    else if (events[1]) {
      const half = Math.ceil(events.length / 2);
      beacon(events.slice(0, half));
      beacon(events.slice(half));
    } else beaconsRefused = true;
  };

  /** Sends what pages that have gone left in their outbox (src/adopt/, loaded when there is any). */
  const adopt = (): void => {
    if (store._hasOthers())
      loadAdopt()
        .then((module) =>
          module.default(site, endpoint, KEY_PREFIX + pageId, (adopted) => {
            queue = adopted.concat(queue);
            save(); // theirs are ours now: store before anything else can go wrong
            schedule(0);
          }),
        )
        .catch(report);
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
      beaconsRefused = false;
      // Each event goes out by beacon once per page: visibilitychange and pagehide both come here.
      if (navigator.onLine)
        beacon(queue.filter(notIn(inFlight)).filter((event) => !beaconed.has(event)));
      if (health != FAILING) queue = queue.filter((event) => !beaconed.has(event));
      left ||= leaving;
      save();
    },
    _restore() {
      // While the page sat in the back/forward cache another page may have adopted its outbox,
      // which held everything but a batch in flight while the collector was healthy.
      if (!store._isOwned()) queue = health == HEALTHY ? inFlight.slice() : [];
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
