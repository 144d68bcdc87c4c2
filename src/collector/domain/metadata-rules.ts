/**
 * Metadata of orders (cart data), sessions, customers, visitors (profile data sent before the
 * email) and opt-ins: string keys with JSON values, stored one row per key so that adding a key
 * never rewrites the others. At most 200 keys per owner (CONTRACTS.md): a write that would pass
 * it is refused whole, with a reason. Pure; `keys` is the owner's current key set (the engine
 * loads it once per transaction), kept current as writes are planned.
 */
import { MAX_METADATA_KEYS } from '../ingest/event-limits';
import { keyOf } from './keys';
import type { WritePlan } from './write-plan';

/** The current keys of each owner touched by a transaction, by keyOf(site, owner). */
export type MetadataKeys = Map<string, Set<string>>;

const keysOf = (keys: MetadataKeys, site: string, owner: string): Set<string> => {
  const key = keyOf(site, owner);
  let set = keys.get(key);
  if (!set) keys.set(key, (set = new Set()));
  return set;
};

/**
 * Why setting `names` on the owner would break the limit, or undefined when it fits. `removed`:
 * keys the same write removes, which make room (200 keys, one removed and one added: still 200).
 */
export function metadataProblem(keys: MetadataKeys, site: string, owner: string, names: Iterable<string>, removed: Iterable<string> = []): string | undefined {
  const current = keysOf(keys, site, owner);
  const gone = new Set([...removed].filter((name) => current.has(name)));
  let count = current.size - gone.size;
  for (const name of new Set(names)) if (!current.has(name) || gone.has(name)) count++;
  return count > MAX_METADATA_KEYS ? `metadata: at most ${MAX_METADATA_KEYS} keys per record` : undefined;
}

/** Plans setting `entries` (values become JSON text); check `metadataProblem` first. */
export function upsertMetadata(plan: WritePlan, keys: MetadataKeys, site: string, owner: string, entries: Record<string, unknown>): void {
  const names = Object.keys(entries);
  if (!names.length) return;
  const key = keyOf(site, owner);
  let upsert = plan.metadata.upserts.get(key);
  if (!upsert) plan.metadata.upserts.set(key, (upsert = { site, owner, entries: new Map() }));
  const current = keysOf(keys, site, owner);
  for (const name of names) {
    upsert.entries.set(name, JSON.stringify(entries[name]));
    current.add(name);
  }
}

/** Plans replacing the owner's metadata whole (the REST API's rule); `entries` must fit the limit. */
export function replaceMetadata(plan: WritePlan, keys: MetadataKeys, site: string, owner: string, entries: Record<string, unknown>): void {
  const key = keyOf(site, owner);
  plan.metadata.upserts.delete(key);
  plan.metadata.cleared.set(key, { site, owner });
  keysOf(keys, site, owner).clear();
  upsertMetadata(plan, keys, site, owner, entries);
}

/**
 * Plans moving every key of `from` to `to`, overwriting: what a visitor told before its email
 * was known belongs to the customer now. Keys that no longer fit under the limit are dropped.
 * Keys set on `from` earlier in this transaction follow as upserts of `to`, in their order.
 */
export function moveMetadata(plan: WritePlan, keys: MetadataKeys, site: string, from: string, to: string): void {
  const fromKey = keyOf(site, from);
  const pending = plan.metadata.upserts.get(fromKey);
  plan.metadata.upserts.delete(fromKey);
  const source = keysOf(keys, site, from);
  const target = keysOf(keys, site, to);
  const fits = (name: string): boolean => target.has(name) || target.size < MAX_METADATA_KEYS;
  const moved: string[] = [];
  for (const name of source)
    if (!pending?.entries.has(name) && fits(name)) {
      moved.push(name);
      target.add(name);
    }
  // Always planned: it also deletes what `from` holds, including keys the pending upserts replace.
  plan.metadata.moved.push({ site, from, to, keys: moved });
  source.clear();
  if (pending) {
    const entries: Record<string, unknown> = {};
    for (const [name, json] of pending.entries)
      if (fits(name)) {
        entries[name] = JSON.parse(json);
        target.add(name);
      }
    upsertMetadata(plan, keys, site, to, entries);
  }
}
