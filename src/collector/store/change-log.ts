/**
 * Collects what a transaction changed (session ids, order ids, customer emails per site), so the
 * inspector can refresh exactly those rows after the commit.
 */
import type { ChangeSet } from './store';

export type ChangeKind = 'sessions' | 'orders' | 'customers';

export interface ChangeLog {
  note(site: string, kind: ChangeKind, key: string): void;
  /** The changes noted since the last drain, and forgets them. */
  drain(): ChangeSet[];
}

export function createChangeLog(): ChangeLog {
  let sites = new Map<string, Record<ChangeKind, Set<string>>>();
  return {
    note(site, kind, key) {
      let entry = sites.get(site);
      if (!entry) sites.set(site, (entry = { sessions: new Set(), orders: new Set(), customers: new Set() }));
      entry[kind].add(key);
    },
    drain() {
      const out: ChangeSet[] = [];
      for (const [site, entry] of sites)
        out.push({ site, sessions: [...entry.sessions], orders: [...entry.orders], customers: [...entry.customers] });
      sites = new Map();
      return out;
    },
  };
}
