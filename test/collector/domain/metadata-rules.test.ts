import { describe, expect, it } from 'vitest';
import { keyOf } from '../../../src/collector/domain/keys';
import { metadataProblem, moveMetadata, replaceMetadata, upsertMetadata, type MetadataKeys } from '../../../src/collector/domain/metadata-rules';
import { createWritePlan } from '../../../src/collector/domain/write-plan';
import { MAX_METADATA_KEYS } from '../../../src/collector/ingest/event-limits';

const keysOf = (count: number, prefix = 'k'): Record<string, string> =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, 'v']));

describe('metadata rules', () => {
  it(`allows ${MAX_METADATA_KEYS} keys per owner across writes, and refuses one more`, () => {
    const keys: MetadataKeys = new Map([[keyOf('s', 'session:1'), new Set(Object.keys(keysOf(150)))]]);
    expect(metadataProblem(keys, 's', 'session:1', Object.keys(keysOf(50, 'n')))).toBeUndefined();
    expect(metadataProblem(keys, 's', 'session:1', Object.keys(keysOf(51, 'n')))).toMatch(/at most/);
    // Keys it already has do not count again.
    expect(metadataProblem(keys, 's', 'session:1', Object.keys(keysOf(150)))).toBeUndefined();
  });

  it('plans upserts as JSON text and keeps the key set current', () => {
    const plan = createWritePlan();
    const keys: MetadataKeys = new Map();
    upsertMetadata(plan, keys, 's', 'order:o', { a: '1', b: { x: 1 } });
    upsertMetadata(plan, keys, 's', 'order:o', { a: '2' });
    expect([...plan.metadata.upserts.get(keyOf('s', 'order:o'))!.entries]).toEqual([['a', '"2"'], ['b', '{"x":1}']]);
    expect([...keys.get(keyOf('s', 'order:o'))!]).toEqual(['a', 'b']);
  });

  it('replaces whole: earlier upserts of the owner are dropped and its rows cleared first', () => {
    const plan = createWritePlan();
    const keys: MetadataKeys = new Map([[keyOf('s', 'customer:c'), new Set(['old'])]]);
    upsertMetadata(plan, keys, 's', 'customer:c', { early: 1 });
    replaceMetadata(plan, keys, 's', 'customer:c', { fresh: 2 });
    expect([...plan.metadata.cleared.values()]).toEqual([{ site: 's', owner: 'customer:c' }]);
    expect([...plan.metadata.upserts.get(keyOf('s', 'customer:c'))!.entries.keys()]).toEqual(['fresh']);
    expect([...keys.get(keyOf('s', 'customer:c'))!]).toEqual(['fresh']);
  });

  it("moves a visitor's stored keys to its customer, and re-plans the visitor's new keys as the customer's", () => {
    const plan = createWritePlan();
    const keys: MetadataKeys = new Map([[keyOf('s', 'visitor:v'), new Set(['stored', 'both'])]]);
    upsertMetadata(plan, keys, 's', 'visitor:v', { both: 'new', fresh: 'x' });
    moveMetadata(plan, keys, 's', 'visitor:v', 'customer:c');
    expect(plan.metadata.moved).toEqual([{ site: 's', from: 'visitor:v', to: 'customer:c', keys: ['stored'] }]);
    expect(plan.metadata.upserts.has(keyOf('s', 'visitor:v'))).toBe(false);
    expect([...plan.metadata.upserts.get(keyOf('s', 'customer:c'))!.entries]).toEqual([['both', '"new"'], ['fresh', '"x"']]);
    expect(keys.get(keyOf('s', 'visitor:v'))!.size).toBe(0);
  });

  it('drops the moved keys that no longer fit under the limit', () => {
    const plan = createWritePlan();
    const keys: MetadataKeys = new Map([
      [keyOf('s', 'customer:c'), new Set(Object.keys(keysOf(MAX_METADATA_KEYS - 1)))],
      [keyOf('s', 'visitor:v'), new Set(['k0', 'x', 'y'])],
    ]);
    moveMetadata(plan, keys, 's', 'visitor:v', 'customer:c');
    expect(plan.metadata.moved[0].keys).toEqual(['k0', 'x']);
    expect(keys.get(keyOf('s', 'customer:c'))!.size).toBe(MAX_METADATA_KEYS);
  });
});
