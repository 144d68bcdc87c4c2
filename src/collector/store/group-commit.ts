/**
 * Group commit: writes queued during one turn of the event loop share one transaction, so one
 * fsync acknowledges many requests. Each write still resolves only after its commit. When the
 * shared transaction fails, every write is retried alone, so one bad write cannot fail others.
 */

export interface GroupCommit<In, Out> {
  /** Queues a write; resolves after the transaction holding it committed. */
  add(input: In): Promise<Out>;
  /** Commits whatever is queued now (used on close). */
  flush(): void;
}

interface Pending<In, Out> {
  input: In;
  resolve(value: Out): void;
  reject(error: unknown): void;
}

/**
 * @param commit runs `inputs` in ONE transaction and returns one output per input, or throws
 *   (and rolls back) as a whole
 */
export function createGroupCommit<In, Out>(commit: (inputs: In[]) => Out[]): GroupCommit<In, Out> {
  let queue: Pending<In, Out>[] = [];
  let scheduled = false;

  const settle = (group: Pending<In, Out>[], outputs: Out[]): void =>
    group.forEach((pending, index) => pending.resolve(outputs[index]));

  const flush = (): void => {
    scheduled = false;
    const group = queue;
    queue = [];
    if (!group.length) return;
    try {
      settle(group, commit(group.map((pending) => pending.input)));
    } catch {
      for (const pending of group)
        try {
          settle([pending], commit([pending.input]));
        } catch (error) {
          pending.reject(error);
        }
    }
  };

  return {
    add(input) {
      return new Promise<Out>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          // setImmediate runs after the pending I/O callbacks: requests that arrived together commit together.
          setImmediate(flush);
        }
      });
    },
    flush,
  };
}
