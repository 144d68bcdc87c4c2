import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/collector/store/group-commit';

describe('group commit', () => {
  it('commits writes queued in the same turn together, and resolves each with its own output', async () => {
    const groups: number[][] = [];
    const group = createGroupCommit<number, number>((inputs) => {
      groups.push(inputs);
      return inputs.map((n) => n * 10);
    });
    const first = await Promise.all([group.add(1), group.add(2), group.add(3)]);
    expect(first).toEqual([10, 20, 30]);
    expect(await group.add(4)).toBe(40);
    expect(groups).toEqual([[1, 2, 3], [4]]);
  });

  it('does not resolve before the commit ran', async () => {
    let committed = false;
    const group = createGroupCommit<number, boolean>((inputs) => {
      committed = true;
      return inputs.map(() => committed);
    });
    const pending = group.add(1);
    expect(committed).toBe(false);
    expect(await pending).toBe(true);
  });

  it('retries each write alone when the shared transaction fails, so one bad write fails alone', async () => {
    const group = createGroupCommit<number, number>((inputs) => {
      if (inputs.includes(13)) throw new Error('bad input');
      return inputs;
    });
    const results = await Promise.allSettled([group.add(1), group.add(13), group.add(2)]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
