/**
 * Transactions that discover some of the records they must lock while they run (the customer
 * of a visitor's email is known only once the visitor is read). Waiting for such a late lock
 * could deadlock with a transaction that took the same locks in the other order, so a late lock
 * is only tried: when another transaction holds it, this one rolls back and starts again with
 * it among the first locks, taken in the fixed order. After a few rounds it waits instead (the
 * engine resolves the rare deadlock that may leave by retrying).
 */
import type { Engine, RecordTx } from './engine';

/** How often a transaction restarts for a late lock before it waits for one. */
const MAX_RESTARTS = 3;

class LockRestart extends Error {}

/** Takes more locks inside the transaction; may abandon it to restart with them first. */
export type LockMore = (keys: string[]) => Promise<void>;

export async function transactionWithLocks<T>(
  engine: Engine,
  locks: string[],
  work: (tx: RecordTx, lockMore: LockMore) => Promise<T>,
): Promise<T> {
  const wanted = new Set(locks);
  for (let round = 0; ; round++) {
    try {
      return await engine.transaction([...wanted], (tx) =>
        work(tx, async (keys) => {
          const missing = keys.filter((key) => !wanted.has(key));
          if (!missing.length) return;
          for (const key of missing) wanted.add(key);
          if (round >= MAX_RESTARTS) return tx.lock(missing);
          if (!(await tx.tryLock(missing))) throw new LockRestart();
        }),
      );
    } catch (error) {
      if (!(error instanceof LockRestart)) throw error;
    }
  }
}
