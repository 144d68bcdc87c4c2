/**
 * The `_rejoiner` command queue. The stub array keeps its identity (other scripts may hold a
 * reference to it, and expando properties stay): its `push` is replaced by a dispatcher and the
 * commands queued before load are replayed in order. Every command runs in its own try/catch; a
 * handler that pushes (re-entrancy) has its commands run after the current one, in order.
 */
import type { Command } from './commands';
import { report } from './report';
import { COMMAND, FAILED } from './report-codes';

export type CommandQueue = unknown[];

/**
 * `unknown` gets each command that names no handler here, malformed ones included (the extension
 * module knows more commands, and warns about the rest). Until its promise settles, later
 * commands wait: push order holds across the module's loading.
 *
 * `ownStep` is the core's own entry in the queue (the automatic page view, queued once the page
 * is parsed): queued itself, it runs in its turn. The page never gets a reference to it, so no
 * push can run it.
 */
export function createDispatcher(
  commands: Record<string, Command>,
  unknown: (command: unknown) => Promise<unknown>,
  ownStep?: () => void,
) {
  const pending: unknown[] = [];
  let draining = false;

  const drain = (): void => {
    while (pending.length) {
      const command = pending.shift();
      let name: unknown;
      // Reading the command is part of running it: an index getter that throws or a revoked
      // Proxy fails this command only. Each part is read once, so a getter cannot answer one
      // thing to the check and another to the call.
      try {
        if (ownStep && command == ownStep) {
          ownStep();
          continue;
        }
        name = Array.isArray(command) && command[0];
        // `commands` has no prototype: only real command names are functions here.
        const handler = commands[name as string];
        if (typeof handler != 'function') {
          // Whatever the module does, succeeds or fails, the commands after this one run.
          unknown(command).then(drain, drain);
          return;
        }
        const argument = (command as unknown[])[1];
        report(COMMAND, name, argument);
        handler(argument);
      } catch (error) {
        report(FAILED, name, error);
      }
    }
    draining = false;
  };

  return (...queued: unknown[]): number => {
    pending.push(...queued);
    if (!draining) {
      draining = true;
      drain();
    }
    return 0;
  };
}

/** Replays what `stub` holds through `dispatch` and routes its later pushes there too. */
export function attachQueue(stub: CommandQueue, dispatch: (...commands: unknown[]) => unknown): void {
  const queued = stub.splice(0);
  stub.push = dispatch as CommandQueue['push'];
  dispatch(...queued);
}
