/** Picks the engine for `--db`: a `postgres://` URL, or a SQLite file path. */
import { createStore, type StoreOptions } from './create-store';
import { createSqliteEngine } from './sqlite/sqlite-engine';
import type { SyncMode } from './sqlite/sqlite-migrations';
import type { Store } from './store';

/** True for a PostgreSQL connection URL. */
export const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//i.test(db);

export async function openStore(db: string, sync: SyncMode = 'full', options: StoreOptions = {}): Promise<Store> {
  return createStore(createSqliteEngine({ path: db, sync }), options);
}
