/**
 * The persisted outbox: each page keeps its unsent events in localStorage under its own key, so
 * tabs never overwrite each other. A key whose page has gone (marked at `pagehide`, or not
 * written for ORPHAN_AFTER_MS after a crash) is adopted by the next page of the same site, which
 * sends its events: the adopt module (src/adopt/), loaded only when another page's key is there.
 * Blocked or full storage just means memory only.
 */
import type { WireEvent } from '../protocol/types';
import { report } from './report';
import { OUTBOX_FULL } from './report-codes';
import { tryGetJSON, tryKeys, trySetItem } from './storage';

/** Also the name of the Web Lock that pages hold while they adopt keys. */
export const KEY_PREFIX = 'rejoiner:queue:v1:';
export const MAX_STORED_EVENTS = 200;
export const MAX_STORED_BYTES = 256 * 1024;
export const MAX_EVENT_AGE_MS = 7 * 24 * 3600 * 1000;
/** A live page rewrites its key at every send and retry (at most 300 s apart). */
export const ORPHAN_AFTER_MS = 10 * 60 * 1000;

export interface StoredQueue {
  /** When the page last wrote it. */
  t: number;
  /** 1 when the page was leaving: adoptable at once. */
  h: number;
  s: string;
  u: string;
  e: WireEvent[];
}

export const sizeOf = (event: WireEvent): number => JSON.stringify(event).length;

export interface OutboxStore {
  /**
   * Stores the newest events within the caps (older ones dropped with a warning); returns the
   * size of what it stored.
   */
  _save(site: string, endpoint: string, events: WireEvent[], leaving: boolean): number;
  /** Falsy once another page adopted (and removed) this page's key. */
  _isOwned(): unknown;
  /** Whether another page's key is there (alive or gone: the adopt module tells). */
  _hasOthers(): boolean;
}

export function createOutboxStore(pageId: string): OutboxStore {
  const ownKey = KEY_PREFIX + pageId;
  return {
    _save(site, endpoint, events, leaving) {
      let bytes = 0;
      let first = events.length;
      while (
        first &&
        events.length - first < MAX_STORED_EVENTS &&
        (bytes += sizeOf(events[first - 1])) < MAX_STORED_BYTES &&
        Date.now() - events[first - 1].ts < MAX_EVENT_AGE_MS
      )
        first--;
      if (first) report(OUTBOX_FULL, first);
      // The click-back token is sent, never kept (CONTRACTS.md "Click-back attribution").
      const kept = events.slice(first).filter((event) => event.type != 'click_back');
      const stored: StoredQueue = { t: Date.now(), h: +leaving, s: site, u: endpoint, e: kept };
      trySetItem(ownKey, stored.e.length ? JSON.stringify(stored) : null);
      return bytes;
    },
    _isOwned: () => tryGetJSON(ownKey),
    _hasOthers: () => tryKeys().some((key) => !key.indexOf(KEY_PREFIX) && key != ownKey),
  };
}
