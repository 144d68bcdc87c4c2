/**
 * The adopt module (`dist/rejoiner-adopt.js`, and a lazy chunk of the ESM build): takes over the
 * outbox of pages that have gone (outbox-store.ts), so their events are sent from this one. The
 * core loads it only when another page's key is in storage (a failure, a crash, or another tab).
 */
import type { Adopt } from '../browser/boot';
import type { WireEvent } from '../protocol/types';
import { KEY_PREFIX, MAX_EVENT_AGE_MS, ORPHAN_AFTER_MS, type StoredQueue } from '../browser/outbox-store';
import { tryGetJSON, tryKeys, trySetItem } from '../browser/storage';

/** Takes the unexpired events of pages that have gone, for the same site and endpoint. */
export function takeOrphans(site: string, endpoint: string, ownKey: string): WireEvent[] {
  const now = Date.now();
  const adopted: WireEvent[] = [];
  for (const key of tryKeys()) {
    const stored = !key.indexOf(KEY_PREFIX) && key != ownKey && tryGetJSON<StoredQueue>(key);
    if (!stored || (!stored.h && now - stored.t < ORPHAN_AFTER_MS)) continue; // its page is alive
    if (stored.s == site && stored.u == endpoint)
      adopted.push(...(stored.e || []).filter((event) => now - event.ts < MAX_EVENT_AGE_MS));
    else if (now - stored.t < MAX_EVENT_AGE_MS) continue; // another site's: leave it to that site
    trySetItem(key, null);
  }
  return adopted;
}

/**
 * Two pages loading at once must not both adopt the same outbox: the keys are taken, and `take`
 * stores them as the page's own, under a Web Lock. Browsers without Web Locks (none of the
 * supported ones) adopt unguarded: at worst a duplicate the collector drops.
 */
const adopt: Adopt = (site, endpoint, ownKey, take) => {
  const run = (): void => {
    const adopted = takeOrphans(site, endpoint, ownKey);
    if (adopted.length) take(adopted);
  };
  return navigator.locks ? navigator.locks.request(KEY_PREFIX, { ifAvailable: true }, (lock) => lock && run()) : run();
};

export default adopt;
