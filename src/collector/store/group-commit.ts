/**
 * Group commit: writes queued while a transaction runs (or during one turn of the event loop)
 * share the next transaction, so one durable commit acknowledges many requests. Each write still
 * resolves only after its commit. Up to `concurrency` transactions run at once (PostgreSQL's
 * pool; SQLite has one writer). When a shared transaction fails for a reason of its own data,
 * every write of it is retried alone, so one bad write cannot fail others; when the database
 * is unavailable, all of them fail at once and quickly.
 */

export interface GroupCommit<In, Out> {
  /** Queues a write; resolves after the transaction holding it committed. */
  add(input: In): Promise<Out>;
  /** Resolves once everything queued so far is committed (or failed). */
  drain(): Promise<void>;
}

export interface GroupCommitOptions {
  /** Transactions running at once. @default 1 */
  concurrency?: number;
  /** Most writes in one transaction. @default 256 */
  maxGroup?: number;
  /** Errors that say the database is unavailable: retrying alone would only wait longer. */
  isUnavailable?: (error: unknown) => boolean;
}

interface Pending<In, Out> {
  input: In;
  resolve(value: Out): void;
  reject(error: unknown): void;
}

/**
 * @param commit runs `inputs` in ONE transaction and resolves one output per input, or rejects
 *   (and rolls back) as a whole
 */
export function createGroupCommit<In, Out>(
  commit: (inputs: In[]) => Promise<Out[]>,
  { concurrency = 1, maxGroup = 256, isUnavailable = () => false }: GroupCommitOptions = {},
): GroupCommit<In, Out> {
  let queue: Pending<In, Out>[] = [];
  let running = 0;
  let scheduled = false;
  const idle: (() => void)[] = [];

  const settle = (group: Pending<In, Out>[], outputs: Out[]): void =>
    group.forEach((pending, index) => pending.resolve(outputs[index]));

  const run = async (group: Pending<In, Out>[]): Promise<void> => {
    try {
      settle(group, await commit(group.map((pending) => pending.input)));
    } catch (error) {
      if (group.length == 1 || isUnavailable(error)) {
        for (const pending of group) pending.reject(error);
        return;
      }
      for (const pending of group)
        try {
          settle([pending], await commit([pending.input]));
        } catch (alone) {
          pending.reject(alone);
        }
    }
  };

  const start = (): void => {
    scheduled = false;
    while (running < concurrency && queue.length) {
      const group = queue.slice(0, maxGroup);
      queue = queue.slice(group.length);
      running++;
      void run(group).finally(() => {
        running--;
        if (queue.length) schedule();
        else if (!running) for (const resolve of idle.splice(0)) resolve();
      });
    }
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    // setImmediate runs after the pending I/O callbacks: requests that arrived together commit together.
    setImmediate(start);
  };

  return {
    add(input) {
      return new Promise<Out>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        schedule();
      });
    },
    drain() {
      if (!queue.length && !running) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}
