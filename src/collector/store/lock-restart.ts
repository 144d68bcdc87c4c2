/**
 * Transactions that discover some of the records they must lock while they run (the customer
 * of a visitor's email is known only once the visitor is read). Waiting for such a late lock
 * could deadlock with a transaction that took the same locks in the other order, so a late lock
 * is only tried: when another transaction holds it, this one rolls back and starts again with
 * it among its first locks, which are taken (waiting) in one fixed order. The same happens when
 * the database ends a transaction to break a deadlock or a serialization conflict. The set of
 * locks only grows, so the rounds end as soon as the records stop changing hands.
 */
import { StoreUnavailableError, TransactionConflictError, type Engine, type RecordTx } from './engine';

/** Rounds before giving up with a 503 (only records changing hands that fast get here). */
const MAX_ROUNDS = 10;

class LockRestart extends Error {}

export interface LateLocks {
  /** Takes more locks without waiting; abandons the transaction to restart with them when it cannot. */
  more(keys: string[]): Promise<void>;
  /** Abandons the transaction to restart with `keys` among its first locks. */
  restartWith(keys: string[]): never;
  /** The locks this round holds. */
  readonly held: ReadonlySet<string>;
}

export async function transactionWithLocks<T>(engine: Engine, locks: string[], work: (tx: RecordTx, late: LateLocks) => Promise<T>): Promise<T> {
  /** Every lock any round needed: the next round takes them all first. */
  const wanted = new Set(locks);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const held = new Set(wanted);
    const restartWith = (keys: string[]): never => {
      for (const key of keys) wanted.add(key);
      throw new LockRestart();
    };
    try {
      return await engine.transaction([...held], (tx) =>
        work(tx, {
          held,
          restartWith,
          async more(keys) {
            const missing = keys.filter((key) => !held.has(key));
            if (!missing.length) return;
            for (const key of missing) wanted.add(key);
            if (!(await tx.tryLock(missing))) restartWith(missing);
            for (const key of missing) held.add(key);
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof LockRestart || error instanceof TransactionConflictError)) throw error;
    }
  }
  throw new StoreUnavailableError('records are changing hands too fast; retry', 1);
}
