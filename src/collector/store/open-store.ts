/**
 * Picks the engine for `--db`: a `postgres://` URL, or a SQLite file path. Each engine is imported
 * only when chosen, so that only its driver needs to be installed (load-driver.ts).
 */
import { createStore, type StoreOptions } from './create-store';
import { loadDriver } from './load-driver';
import type { SyncMode } from './sqlite/sqlite-migrations';
import type { Store } from './store';

/** True for a PostgreSQL connection URL. */
export const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//i.test(db);

/** A connection URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unreadable URL)';
  }
}

export interface OpenStoreOptions extends StoreOptions {
  /** SQLite `synchronous` mode. @default 'full' */
  sync?: SyncMode;
  /** PostgreSQL connections of this node. @default 10 */
  poolSize?: number;
  log?: (line: string) => void;
}

/**
 * Opens the store. A PostgreSQL database that cannot be reached yet does not stop the start
 * (the engine keeps trying; requests get 503 meanwhile); one that refuses us for good does.
 */
export async function openStore(db: string, { sync = 'full', poolSize = 10, log, ...options }: OpenStoreOptions = {}): Promise<Store> {
  if (!isPostgresUrl(db)) {
    const { createSqliteEngine } = await loadDriver('better-sqlite3', 'SQLite', () => import('./sqlite/sqlite-engine'));
    return createStore(createSqliteEngine({ path: db, sync }), options);
  }
  const { createPostgresEngine } = await loadDriver('pg', 'PostgreSQL', () => import('./postgres/postgres-engine'));
  const { engine, firstAttempt } = createPostgresEngine({ url: db, poolSize, log });
  try {
    await firstAttempt;
  } catch (error) {
    await engine.close();
    throw error;
  }
  // Two beacon transactions at once per node: while one waits for its commit, the next group
  // forms. More would split the beacons into smaller groups, and a commit costs the same for a
  // group of one beacon as for one of twenty (measured in README "Scaling out"). The rest of
  // the pool serves reads and the REST API.
  return createStore(engine, { concurrency: Math.min(2, poolSize), ...options });
}
