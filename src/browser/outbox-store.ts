/**
 * The persisted outbox: each page keeps its unsent events in localStorage under its own key, so
 * tabs never overwrite each other. A key whose page has gone (marked at `pagehide`, or not
 * written for ORPHAN_AFTER_MS after a crash) is adopted by the next page of the same site, which
 * sends its events. Blocked or full storage just means memory only.
 */
import type { WireEvent } from '../protocol/types';
import { warn } from './log';
import { tryGetJSON, tryKeys, trySetItem } from './storage';

const KEY_PREFIX = 'rejoiner:queue:v1:';
export const MAX_STORED_EVENTS = 200;
export const MAX_STORED_BYTES = 256 * 1024;
export const MAX_EVENT_AGE_MS = 7 * 24 * 3600 * 1000;
/** A live page rewrites its key at least every retry (60 s at most) or Retry-After (300 s). */
const ORPHAN_AFTER_MS = 10 * 60 * 1000;

/** An event with its JSON, serialized once. */
export interface QueuedEvent {
  _event: WireEvent;
  _json?: string;
  /** Already sent by beacon from this page. */
  _beaconed?: 1;
}

interface StoredQueue {
  /** When the page last wrote it. */
  t: number;
  /** Set when the page was leaving: adoptable at once. */
  h?: number;
  s: string;
  u: string;
  e: WireEvent[];
}

export const toJSON = (item: QueuedEvent): string =>
  item._json || (item._json = JSON.stringify(item._event));

export interface OutboxStore {
  /** Stores the newest events within the caps (oldest dropped with a warning). */
  _save(site: string, endpoint: string, items: QueuedEvent[], leaving: boolean): void;
  /** False once another page adopted (and removed) this page's key. */
  _isOwned(): boolean;
  /** Takes the events of pages that have gone, for the same site and endpoint. */
  _adopt(site: string, endpoint: string): WireEvent[];
}

export function createOutboxStore(pageId: string): OutboxStore {
  const ownKey = KEY_PREFIX + pageId;
  return {
    _save(site, endpoint, items, leaving) {
      let bytes = 0;
      let first = items.length;
      const oldest = Date.now() - MAX_EVENT_AGE_MS;
      while (first > 0 && items.length - first < MAX_STORED_EVENTS) {
        const item = items[first - 1];
        bytes += toJSON(item).length + 1;
        if (bytes > MAX_STORED_BYTES || item._event.ts < oldest) break;
        first--;
      }
      if (first) warn('outbox full: not storing the', first, 'oldest events');
      const kept = items.slice(first);
      trySetItem(
        ownKey,
        kept.length
          ? `{"t":${Date.now()},"h":${+leaving},"s":${JSON.stringify(site)},"u":${JSON.stringify(endpoint)},"e":[${kept.map(toJSON)}]}`
          : null,
      );
    },
    _isOwned: () => !!tryGetJSON(ownKey),
    _adopt(site, endpoint) {
      const now = Date.now();
      const adopted: WireEvent[] = [];
      for (const key of tryKeys()) {
        if (key.indexOf(KEY_PREFIX) || key == ownKey) continue;
        const stored = tryGetJSON<StoredQueue>(key);
        const age = now - ((stored && stored.t) || 0);
        if (stored && stored.h != 1 && age < ORPHAN_AFTER_MS) continue; // its page is alive
        if (stored && stored.s == site && stored.u == endpoint) {
          for (const event of stored.e || []) if (now - event.ts < MAX_EVENT_AGE_MS) adopted.push(event);
        } else if (age < MAX_EVENT_AGE_MS) continue; // another site's: leave it to that site
        trySetItem(key, null);
      }
      return adopted;
    },
  };
}
