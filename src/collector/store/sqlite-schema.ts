/**
 * SQLite schema and connection settings of the store.
 *
 * Durability: WAL journal with `synchronous=FULL` by default, so that a commit is on disk (the
 * WAL is fsynced) before any beacon is answered 200; it survives `kill -9` and power loss. With
 * `synchronous=NORMAL` the WAL is fsynced only at checkpoints: a commit still survives the
 * process being killed (the OS holds the written pages), but the newest commits can be lost if
 * the machine itself goes down. FULL costs one fsync per transaction, which group commit
 * (several requests share one transaction) keeps cheap.
 */
import type { Database } from 'better-sqlite3';

export type SyncMode = 'full' | 'normal';

const SCHEMA_VERSION = 1;

/** Tables: `events` is the log; sessions, visitors, orders and customers are assembled from it on write. */
const DDL = `
CREATE TABLE IF NOT EXISTS events (
  cursor INTEGER PRIMARY KEY AUTOINCREMENT, -- arrival order: the export cursor, never reused
  site TEXT NOT NULL,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  ts REAL NOT NULL,
  visitor TEXT NOT NULL,
  session TEXT NOT NULL,
  order_id TEXT,
  url TEXT NOT NULL,
  data TEXT NOT NULL,            -- normalized event data, JSON
  received_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_site_id ON events (site, id);
CREATE INDEX IF NOT EXISTS events_site_cursor ON events (site, cursor);

CREATE TABLE IF NOT EXISTS sessions (
  site TEXT NOT NULL,
  id TEXT NOT NULL,
  visitor TEXT NOT NULL,
  email TEXT,
  first_seen REAL NOT NULL,
  last_seen REAL NOT NULL,
  page_views INTEGER NOT NULL,
  events INTEGER NOT NULL,
  last_url TEXT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (site, id)
);
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions (updated_at);

CREATE TABLE IF NOT EXISTS visitors (
  site TEXT NOT NULL,
  id TEXT NOT NULL,
  email TEXT,
  pending TEXT,                  -- customer_data seen before the visitor's email, JSON
  PRIMARY KEY (site, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS orders (
  site TEXT NOT NULL,
  id TEXT NOT NULL,
  visitor TEXT,
  email TEXT,
  status TEXT NOT NULL,
  state TEXT NOT NULL,           -- OrderState, JSON
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (site, id)
);
CREATE INDEX IF NOT EXISTS orders_email ON orders (site, email, status);
CREATE INDEX IF NOT EXISTS orders_visitor ON orders (site, visitor);
CREATE INDEX IF NOT EXISTS orders_updated ON orders (updated_at);

CREATE TABLE IF NOT EXISTS customers (
  site TEXT NOT NULL,
  id TEXT NOT NULL,
  email TEXT NOT NULL,
  record TEXT NOT NULL,          -- CustomerRecord, JSON
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (site, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS customers_email ON customers (site, email);
CREATE INDEX IF NOT EXISTS customers_updated ON customers (updated_at);
`;

/** Sets the connection up and creates the tables. Throws when the file is from a newer version. */
export function prepareDatabase(db: Database, sync: SyncMode): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync == 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  // 32 MB of page cache: the (site, id) index of events takes random inserts, which a small cache turns into reads.
  db.pragma('cache_size = -32000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new Error(`database schema ${version} is newer than this collector (${SCHEMA_VERSION})`);
  db.exec(DDL);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
