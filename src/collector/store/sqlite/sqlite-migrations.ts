/**
 * SQLite schema, as numbered migrations applied in order at start, each in its own transaction
 * and recorded in `user_version`. A migration that has shipped is never edited: a change is a
 * new one. A fresh database runs them all (so every migration runs in every test).
 *
 * Durability: WAL journal with `synchronous=FULL` by default, so that a commit is on disk (the
 * WAL is fsynced) before any beacon is answered 200; it survives `kill -9` and power loss. With
 * `synchronous=NORMAL` the WAL is fsynced only at checkpoints: a commit still survives the
 * process being killed (the OS holds the written pages), but the newest commits can be lost if
 * the machine itself goes down. FULL costs one fsync per transaction, which group commit
 * (several requests share one transaction) keeps cheap.
 */
import type { Database } from 'better-sqlite3';
import { emptyStats } from '../../domain/customer-rules';
import { phoneKey } from '../../domain/phone';

export type SyncMode = 'full' | 'normal';

/** Version 1 (as it shipped): the event log, and sessions, visitors, orders and customers as JSON documents. */
const V1 = `
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

/**
 * Version 2: one row per order line, metadata key, tag and list membership, so that no write
 * rewrites a collection; orders keep the shopper's clock for "latest"; every record has the
 * server's `written_at` for the dashboard.
 */
const V2_TABLES = `
-- The email a customer_email or list_subscription event names, and the visitor of each event:
-- what erasing a customer looks events up by.
ALTER TABLE events ADD COLUMN email TEXT;
UPDATE events SET email = json_extract(data, '$.email') WHERE type IN ('customer_email', 'list_subscription');
CREATE INDEX events_email ON events (site, email) WHERE email IS NOT NULL;
CREATE INDEX events_visitor ON events (site, visitor);
CREATE TABLE erasures (          -- the audit of erasures: who and when, never what
  site TEXT NOT NULL,
  customer TEXT NOT NULL,
  source TEXT NOT NULL,
  kind TEXT NOT NULL,            -- forget, anonymise
  events INTEGER NOT NULL,       -- stored events that lost personal data
  at INTEGER NOT NULL
);
ALTER TABLE sessions RENAME TO sessions_v1;
ALTER TABLE visitors RENAME TO visitors_v1;
ALTER TABLE orders RENAME TO orders_v1;
ALTER TABLE customers RENAME TO customers_v1;
DROP INDEX customers_email;
CREATE TABLE sessions (
  site TEXT NOT NULL,
  id TEXT NOT NULL,
  visitor TEXT NOT NULL,
  email TEXT,
  first_seen REAL NOT NULL,
  last_seen REAL NOT NULL,
  page_views INTEGER NOT NULL,
  product_views INTEGER NOT NULL,
  events INTEGER NOT NULL,
  last_url TEXT NOT NULL,
  payment_date TEXT,             -- annotations of the REST API (PUT sessions/{id}/)
  fulfillment_date TEXT,
  delivery_date TEXT,
  written_at INTEGER NOT NULL,
  PRIMARY KEY (site, id)
);
CREATE INDEX sessions_written ON sessions (written_at);
CREATE INDEX sessions_email ON sessions (site, email) WHERE email IS NOT NULL;
CREATE INDEX sessions_site_written ON sessions (site, written_at);
CREATE TABLE visitors (
  site TEXT NOT NULL,
  id TEXT NOT NULL,
  email TEXT,
  pending TEXT,                  -- profile fields (and tags) sent before the email, JSON
  PRIMARY KEY (site, id)
) WITHOUT ROWID;
CREATE INDEX visitors_email ON visitors (site, email) WHERE email IS NOT NULL;
CREATE TABLE orders (
  site TEXT NOT NULL,
  id TEXT NOT NULL,
  visitor TEXT,
  session TEXT,
  email TEXT,
  status TEXT NOT NULL,
  cart_data TEXT NOT NULL,       -- cart fields without metadata, JSON
  campaign_type TEXT,
  campaign_ids TEXT NOT NULL,    -- JSON array
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL,      -- newest event, the shopper's clock
  converted_at REAL,
  converted_by TEXT,
  item_count INTEGER NOT NULL,
  next_position INTEGER NOT NULL,
  cart_data_seq INTEGER NOT NULL,
  closed_seq INTEGER NOT NULL,
  written_at INTEGER NOT NULL,
  PRIMARY KEY (site, id)
);
CREATE INDEX orders_email_status ON orders (site, email, status, updated_at);
CREATE INDEX orders_unlinked ON orders (site, visitor) WHERE email IS NULL;
CREATE INDEX orders_written ON orders (written_at);
CREATE INDEX orders_site_written ON orders (site, written_at);
CREATE TABLE order_items (
  site TEXT NOT NULL,
  order_id TEXT NOT NULL,
  product_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  position INTEGER NOT NULL,
  item TEXT,                     -- CartItem JSON; NULL: removed (the row keeps the seq)
  PRIMARY KEY (site, order_id, product_id)
) WITHOUT ROWID;
CREATE TABLE customers (         -- rowid: the order listings page in
  site TEXT NOT NULL,
  id TEXT NOT NULL,
  container TEXT NOT NULL,       -- the customer list it belongs to ('default' unless HubRise made another)
  email TEXT,                    -- identifiers: none is mandatory for every source
  external_id TEXT,
  private_ref TEXT,
  phone_key TEXT,                -- the profile's phone in E.164 form, for by_phone and searches
  profile TEXT NOT NULL,         -- profile fields without tags and metadata, JSON
  consent TEXT NOT NULL,         -- per channel: {state, at, source}, JSON; absent = unknown
  stats TEXT NOT NULL,           -- orders, spend and points, kept up to date on write, JSON
  status TEXT NOT NULL,          -- active, deleted or forgotten
  anonymised INTEGER NOT NULL,
  journeys_cancelled_at TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  written_at INTEGER NOT NULL,
  PRIMARY KEY (site, id)
);
CREATE UNIQUE INDEX customers_email ON customers (site, container, email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX customers_external ON customers (site, external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX customers_private_ref ON customers (site, container, private_ref) WHERE private_ref IS NOT NULL;
CREATE INDEX customers_phone ON customers (site, phone_key) WHERE phone_key IS NOT NULL;
CREATE INDEX customers_by_creation ON customers (site, container, created_at, id);
CREATE INDEX customers_by_update ON customers (site, container, updated_at, id);
CREATE INDEX customers_written ON customers (written_at);
CREATE INDEX customers_site_written ON customers (site, written_at);
CREATE TABLE customer_tags (
  site TEXT NOT NULL,
  customer TEXT NOT NULL,
  kind TEXT NOT NULL,            -- tag, or preference (email topics)
  position INTEGER NOT NULL,
  tag TEXT NOT NULL,
  PRIMARY KEY (site, customer, kind, position)
) WITHOUT ROWID;
CREATE TABLE lists (             -- rowid: the order lists are paged in
  site TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  contact_count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (site, id)
);
CREATE INDEX lists_page ON lists (site);
CREATE TABLE memberships (       -- rowid: the order a list's contacts are paged in
  site TEXT NOT NULL,
  customer TEXT NOT NULL,
  list_id TEXT NOT NULL,
  first_name TEXT,
  source TEXT,
  subscribed_at REAL NOT NULL,
  custom_fields TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (site, customer, list_id)
);
CREATE INDEX memberships_newest ON memberships (site, customer, subscribed_at);
CREATE INDEX memberships_page ON memberships (site, list_id);
CREATE TABLE metadata (
  site TEXT NOT NULL,
  owner TEXT NOT NULL,           -- kind:id (order, session, customer, visitor, opt_in)
  key TEXT NOT NULL,
  value TEXT NOT NULL,           -- JSON
  PRIMARY KEY (site, owner, key)
) WITHOUT ROWID;
`;

/**
 * Version 3: what the dashboard reads by. A session's timeline pages its events in arrival order
 * (rowid, which every SQLite index ends with), and revenue over time reads converted orders by
 * the shopper's conversion time; without these both would scan a site's whole history.
 */
const V3 = `
CREATE INDEX events_session ON events (site, session);
CREATE INDEX orders_converted ON orders (site, converted_at) WHERE converted_at IS NOT NULL;
`;

type Json = Record<string, unknown>;

/**
 * Rows of a version 1 table in pages by primary key (site, id): better-sqlite3 cannot write
 * while a statement iterates, and a shop's tables may not fit in memory at once.
 */
function* pagesOf(db: Database, table: string, columns: string): Generator<Json> {
  const first = db.prepare(`SELECT site, id, ${columns} FROM ${table} ORDER BY site, id LIMIT 500`);
  const next = db.prepare(`SELECT site, id, ${columns} FROM ${table} WHERE (site, id) > (?, ?) ORDER BY site, id LIMIT 500`);
  for (let page = first.all() as Json[]; page.length; ) {
    yield* page;
    const last = page[page.length - 1];
    page = next.all(last.site, last.id) as Json[];
  }
}

/** Moves the version 1 documents into the version 2 rows. */
function migrateV1Documents(db: Database): void {
  const now = Date.now();
  const meta = db.prepare('INSERT OR REPLACE INTO metadata (site, owner, key, value) VALUES (?, ?, ?, ?)');
  const metadataRows = (site: string, owner: string, object: unknown): void => {
    if (object && typeof object == 'object') for (const [key, value] of Object.entries(object)) meta.run(site, owner, key, JSON.stringify(value));
  };

  db.prepare(
    `INSERT INTO sessions (site, id, visitor, email, first_seen, last_seen, page_views, product_views, events, last_url, written_at)
     SELECT site, id, visitor, email, first_seen, last_seen, page_views, 0, events, last_url, updated_at FROM sessions_v1`,
  ).run();
  for (const row of pagesOf(db, 'sessions_v1', 'metadata'))
    metadataRows(row.site as string, `session:${row.id}`, JSON.parse(row.metadata as string));

  const visitor = db.prepare('INSERT INTO visitors (site, id, email, pending) VALUES (?, ?, ?, ?)');
  for (const row of pagesOf(db, 'visitors_v1', 'email, pending')) {
    const { metadata, ...pending } = row.pending ? (JSON.parse(row.pending as string) as Json) : ({} as Json);
    visitor.run(row.site, row.id, row.email, row.pending ? JSON.stringify(pending) : null);
    metadataRows(row.site as string, `visitor:${row.id}`, metadata);
  }

  const order = db.prepare(
    `INSERT INTO orders (site, id, visitor, session, email, status, cart_data, campaign_type, campaign_ids, created_at, updated_at,
       converted_at, converted_by, item_count, next_position, cart_data_seq, closed_seq, written_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, -1, ?)`,
  );
  const item = db.prepare('INSERT OR REPLACE INTO order_items (site, order_id, product_id, seq, position, item) VALUES (?, ?, ?, ?, ?, ?)');
  for (const row of pagesOf(db, 'orders_v1', 'state, updated_at')) {
    const state = JSON.parse(row.state as string) as Json & { items: Json[]; item_marks: Record<string, number>; cart_data: Json };
    const { metadata, ...cart } = state.cart_data;
    order.run(
      state.site, state.id, state.visitor, state.session, state.email, state.status, JSON.stringify(cart), state.campaign_type,
      JSON.stringify(state.campaign_ids), state.created_at, state.updated_at, state.converted_at, state.converted_by,
      state.items.length, state.items.length, state.cart_data_mark, row.updated_at,
    );
    metadataRows(state.site as string, `order:${state.id}`, metadata);
    const present = new Set<string>();
    state.items.forEach((line, position) => {
      present.add(line.product_id as string);
      item.run(state.site, state.id, line.product_id, state.item_marks[line.product_id as string] ?? -1, position, JSON.stringify(line));
    });
    for (const [productId, seq] of Object.entries(state.item_marks))
      if (!present.has(productId)) item.run(state.site, state.id, productId, seq, 0, null);
  }

  const customer = db.prepare(
    `INSERT INTO customers (site, id, container, email, phone_key, profile, consent, stats, status, anonymised,
       journeys_cancelled_at, created_at, updated_at, written_at) VALUES (?, ?, 'default', ?, ?, ?, ?, ?, 'active', 0, ?, ?, ?, ?)`,
  );
  const tag = db.prepare("INSERT INTO customer_tags (site, customer, kind, position, tag) VALUES (?, ?, 'tag', ?, ?)");
  const membership = db.prepare(
    'INSERT OR REPLACE INTO memberships (site, customer, list_id, first_name, source, subscribed_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  for (const row of pagesOf(db, 'customers_v1', 'record, updated_at')) {
    const record = JSON.parse(row.record as string) as Json & { profile: Json; lists: Json[] };
    const { tags, metadata, ...profile } = record.profile;
    const consent: Record<string, unknown> = {};
    if (record.is_opted_in) Object.assign(consent, { email: { state: 'granted', at: record.opt_in_date, source: 'rejoiner' }, opt_in_at: record.opt_in_date });
    if (record.is_unsubscribed) consent.email = { state: 'refused', at: record.unsubscribe_date, source: 'rejoiner' };
    customer.run(
      record.site, record.id, record.email, phoneKey(profile.phone), JSON.stringify(profile), JSON.stringify(consent),
      JSON.stringify(emptyStats()), record.journeys_cancelled_at, record.created_at, record.updated_at, row.updated_at ?? now,
    );
    ((tags as string[] | undefined) ?? []).forEach((text, position) => tag.run(record.site, record.id, position, text));
    metadataRows(record.site as string, `customer:${record.id}`, metadata);
    metadataRows(record.site as string, `opt_in:${record.id}`, record.opt_in_info);
    for (const list of record.lists)
      membership.run(record.site, record.id, list.list_id, list.first_name, list.source, list.subscribed_at);
  }
  // Every list a membership names, in the order its first member joined.
  db.exec(`INSERT INTO lists (site, id, name, created_at, contact_count)
    SELECT site, list_id, list_id, CAST(min(subscribed_at) AS INTEGER), count(*) FROM memberships GROUP BY site, list_id ORDER BY min(subscribed_at)`);
  db.exec('DROP TABLE sessions_v1; DROP TABLE visitors_v1; DROP TABLE orders_v1; DROP TABLE customers_v1;');
}

/** Migrations by the version they bring the database to. */
const MIGRATIONS: ((db: Database) => void)[] = [
  (db) => db.exec(V1),
  (db) => {
    db.exec(V2_TABLES);
    migrateV1Documents(db);
  },
  (db) => db.exec(V3),
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Sets the connection up and brings the schema to this version. Throws when the file is from a newer version. */
export function prepareDatabase(db: Database, sync: SyncMode): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync == 'normal' ? 'NORMAL' : 'FULL'}`);
  // 32 MB of page cache: the (site, id) index of events takes random inserts, which a small cache turns into reads.
  db.pragma('cache_size = -32000');
  // Waiting for a lock here would block the event loop: the engine retries asynchronously instead.
  db.pragma('busy_timeout = 0');
  // Freed space is zeroed, so that what an erasure removed (and the earlier versions of rows it
  // rewrote) cannot be read from the file (https://sqlite.org/pragma.html#pragma_secure_delete).
  db.pragma('secure_delete = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new Error(`database schema ${version} is newer than this collector (${SCHEMA_VERSION})`);
  for (let next = version; next < SCHEMA_VERSION; next++)
    db.transaction(() => {
      MIGRATIONS[next](db);
      db.pragma(`user_version = ${next + 1}`);
    }).immediate();
}
