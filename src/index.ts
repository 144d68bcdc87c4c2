/**
 * The ESM build (`dist/rejoiner.mjs`) for bundlers: the same core as the script tag. Importing it
 * changes nothing on the page; the first `rejoiner()` call boots the library (once per page,
 * sharing the `_rejoiner` queue with any snippet already there).
 */
import { boot } from './browser/boot';
import type { RejoinerCommand } from './types';

export type * from './types';

/**
 * Pushes commands through the page's `_rejoiner` queue, booting the library first when no copy
 * runs yet. `endpoint` is the collector origin (default: the page's own origin).
 */
export function rejoiner(...commands: RejoinerCommand[]): void {
  const globals = window as unknown as {
    _rejoiner?: { push(...items: unknown[]): unknown };
    _rejoinerDispatch?: unknown;
  };
  try {
    if (!globals._rejoinerDispatch) boot(location.origin);
    globals._rejoiner!.push(...commands);
  } catch {
    // never throw into the application
  }
}
