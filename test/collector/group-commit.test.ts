import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../src/collector/store/group-commit';

class Unavailable extends Error {}

describe('group commit', () => {
  it('commits writes queued in the same turn together, and resolves each with its own output', async () => {
    const groups: number[][] = [];
    const group = createGroupCommit<number, number>(async (inputs) => {
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
    const group = createGroupCommit<number, boolean>(async (inputs) => {
      committed = true;
      return inputs.map(() => committed);
    });
    const pending = group.add(1);
    expect(committed).toBe(false);
    expect(await pending).toBe(true);
  });

  it('queues writes that arrive while a transaction runs for the next one', async () => {
    const groups: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const group = createGroupCommit<number, number>(async (inputs) => {
      groups.push(inputs);
      if (groups.length == 1) await gate;
      return inputs;
    });
    const first = group.add(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [group.add(2), group.add(3), group.add(4)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(groups).toEqual([[1]]); // one transaction at a time by default
    release();
    await Promise.all([first, ...later]);
    expect(groups).toEqual([[1], [2, 3, 4]]);
  });

  it('runs up to `concurrency` transactions at once', async () => {
    let running = 0;
    let most = 0;
    const group = createGroupCommit<number, number>(
      async (inputs) => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return inputs;
      },
      { concurrency: 3, maxGroup: 1 },
    );
    await Promise.all(Array.from({ length: 9 }, (_, i) => group.add(i)));
    expect(most).toBe(3);
  });

  it('retries each write alone when the shared transaction fails, so one bad write fails alone', async () => {
    const group = createGroupCommit<number, number>(async (inputs) => {
      if (inputs.includes(13)) throw new Error('bad input');
      return inputs;
    });
    const results = await Promise.allSettled([group.add(1), group.add(13), group.add(2)]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('fails every write at once when the database is unavailable, without retrying each', async () => {
    let calls = 0;
    const group = createGroupCommit<number, number>(
      async () => {
        calls++;
        throw new Unavailable('locked');
      },
      { isUnavailable: (error) => error instanceof Unavailable },
    );
    const results = await Promise.allSettled([group.add(1), group.add(2), group.add(3)]);
    expect(results.every((result) => result.status == 'rejected')).toBe(true);
    expect(calls).toBe(1);
  });

  it('drains: resolves once everything queued is settled', async () => {
    const done: number[] = [];
    const group = createGroupCommit<number, number>(async (inputs) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      done.push(...inputs);
      return inputs;
    });
    void group.add(1);
    void group.add(2);
    await group.drain();
    expect(done).toEqual([1, 2]);
  });
});
