/**
 * The ESM build (`dist/rejoiner.mjs`) for bundlers: the same core as the script tag. Importing it
 * changes nothing on the page; the first `rejoiner()` call boots the library (once per page,
 * sharing the `_rejoiner` queue with any snippet already there, so there is never a second
 * sender). The extension commands, the debug messages and the form scanner are dynamic imports:
 * bundlers split them into chunks that load only when a command, debug mode or a form needs them.
 */
import { boot, type LoadModule, type Modules } from './browser/boot';
import type { RejoinerCommand } from './types';

export type * from './types';

/**
 * Pushes commands through the page's `_rejoiner` queue, booting the library first when no copy
 * runs yet. Beacons go to the page's own origin unless a `setEndpoint` command says otherwise.
 */
export function rejoiner(...commands: RejoinerCommand[]): void {
  const globals = window as unknown as {
    _rejoiner?: { push(...items: unknown[]): unknown };
    _rejoinerDispatch?: unknown;
  };
  try {
    // Queued first, so that a `requireConsent` among them is seen before anything starts.
    (globals._rejoiner ||= []).push(...commands);
    if (!globals._rejoinerDispatch)
      boot(location.origin, ((name: keyof Modules) =>
        name == 'debug'
          ? import('./debug/index')
          : name == 'forms'
            ? import('./forms/index')
            : name == 'adopt'
              ? import('./adopt/index')
              : import('./extensions/index')) as LoadModule);
  } catch {
    // never throw into the application
  }
}
