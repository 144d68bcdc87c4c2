import { describe, expect, it } from 'vitest';
import { TransactionConflictError, type Engine, type RecordTx } from '../../src/collector/store/engine';
import { transactionWithLocks } from '../../src/collector/store/lock-restart';

/** An engine that records the first locks of each transaction and gives the work a fake RecordTx. */
function fakeEngine(tryLock: (keys: string[]) => boolean) {
  const rounds: string[][] = [];
  const engine = {
    async transaction(locks: string[], work: (tx: RecordTx) => Promise<unknown>) {
      rounds.push([...locks].sort());
      return work({ tryLock: async (keys: string[]) => tryLock(keys) } as unknown as RecordTx);
    },
  } as unknown as Engine;
  return { engine, rounds };
}

describe('transactions with late locks', () => {
  it('restarts with a late lock it could not take among its first locks', async () => {
    const { engine, rounds } = fakeEngine(() => false);
    const result = await transactionWithLocks(engine, ['a'], async (_tx, late) => {
      await late.more(['c']);
      return 'done';
    });
    // The first round could not take "c"; the second holds it from the start.
    expect(result).toBe('done');
    expect(rounds).toEqual([['a'], ['a', 'c']]);
  });

  it('after a deadlock, runs again with every lock the aborted round had taken late', async () => {
    const { engine, rounds } = fakeEngine(() => true);
    let attempt = 0;
    await transactionWithLocks(engine, ['a'], async (_tx, late) => {
      await late.more(['b']);
      expect(late.held.has('b')).toBe(true);
      if (++attempt == 1) throw new TransactionConflictError('deadlock detected');
    });
    expect(rounds).toEqual([['a'], ['a', 'b']]);
  });

  it('gives up with a 503 when records never stop changing hands', async () => {
    let next = 0;
    const { engine } = fakeEngine(() => false);
    await expect(transactionWithLocks(engine, [], async (_tx, late) => late.more([`k${next++}`]))).rejects.toThrow(/changing hands/);
  });
});
