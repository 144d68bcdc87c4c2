/**
 * The `_rejoiner` command queue. The stub array keeps its identity (other scripts may hold a
 * reference to it, and expando properties stay): its `push` is replaced by a dispatcher and the
 * commands queued before load are replayed in order. Every command runs in its own try/catch; a
 * handler that pushes (re-entrancy) has its commands run after the current one, in order.
 */
import type { Command } from './commands';
import { log, warn } from './log';

export type CommandQueue = unknown[];

/**
 * `unknown` gets each command that names no handler here, malformed ones included: the extension
 * module knows more commands, and warns about the rest.
 */
export function createDispatcher(commands: Record<string, Command>, unknown: (command: unknown) => unknown) {
  const pending: unknown[] = [];
  let draining = false;

  const run = (command: unknown): void => {
    const name = Array.isArray(command) && command[0];
    try {
      // `commands` has no prototype: only real command names are functions here.
      if (typeof commands[name as string] != 'function') unknown(command);
      else {
        log(name, (command as unknown[])[1]);
        commands[name as string]((command as unknown[])[1]);
      }
    } catch (error) {
      warn(name, 'failed:', error);
    }
  };

  return (...queued: unknown[]): number => {
    pending.push(...queued);
    if (!draining) {
      draining = true;
      while (pending.length) run(pending.shift());
      draining = false;
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
