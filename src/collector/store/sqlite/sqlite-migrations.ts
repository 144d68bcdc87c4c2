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

/**
 * Version 4: HubRise's customer lists (seed 004) as containers of customers, with loyalty cards
 * and their operations. A container other than the default may hold an email several times
 * (Rejoiner keys the default one by email); lists are searched by email or phone in index order;
 * an order is found by the shop's order number. `seq` is each row's place in listings
 * (AUTOINCREMENT: never reused). Points are millionths.
 */
const V4_HUBRISE = `
DROP INDEX customers_email;
CREATE UNIQUE INDEX customers_email ON customers (site, container, email) WHERE email IS NOT NULL AND container = 'default';
CREATE INDEX customers_list_email ON customers (site, container, email) WHERE email IS NOT NULL;
DROP INDEX customers_phone;
CREATE INDEX customers_phone ON customers (site, container, phone_key) WHERE phone_key IS NOT NULL;
-- cart_data.order_number (PROTOCOL.md) when a string of 1-512 bytes: a loyalty operation's
-- order_id names an order by its id or by it. Derived by SQLite, so no writer of orders keeps it.
ALTER TABLE orders ADD COLUMN order_number TEXT GENERATED ALWAYS AS (
  CASE WHEN json_type(cart_data, '$.order_number') = 'text'
    AND length(CAST(json_extract(cart_data, '$.order_number') AS BLOB)) BETWEEN 1 AND 512
  THEN json_extract(cart_data, '$.order_number') END) VIRTUAL;
CREATE INDEX orders_number ON orders (site, order_number) WHERE order_number IS NOT NULL;
CREATE TABLE customer_lists (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  site TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  scope TEXT NOT NULL,           -- 'account' or a location id ({site}-{label})
  created_at INTEGER NOT NULL,
  deleted_at INTEGER             -- deleted: hidden at once, its records purged in pages later
);
CREATE UNIQUE INDEX customer_lists_id ON customer_lists (site, id);
CREATE INDEX customer_lists_name ON customer_lists (site, name) WHERE deleted_at IS NULL;
CREATE INDEX customer_lists_page ON customer_lists (site, seq);
CREATE INDEX customer_lists_deleted ON customer_lists (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE TABLE loyalty_cards (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  site TEXT NOT NULL,
  id TEXT NOT NULL,
  list TEXT NOT NULL,            -- the container of its customer
  customer TEXT NOT NULL,
  name TEXT,
  ref TEXT,
  balance INTEGER NOT NULL,      -- millionths: the new_balance of its latest operation
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX loyalty_cards_id ON loyalty_cards (site, id);
-- A ref is unique per customer, and so is the null ref (refs are never empty).
CREATE UNIQUE INDEX loyalty_cards_ref ON loyalty_cards (site, customer, coalesce(ref, ''));
CREATE INDEX loyalty_cards_customer ON loyalty_cards (site, customer, seq);
CREATE INDEX loyalty_cards_list ON loyalty_cards (site, list, seq);
CREATE INDEX loyalty_cards_list_ref ON loyalty_cards (site, list, ref, seq) WHERE ref IS NOT NULL;
CREATE INDEX loyalty_cards_list_name ON loyalty_cards (site, list, name, seq) WHERE name IS NOT NULL;
CREATE TABLE loyalty_operations (  -- append-only
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  site TEXT NOT NULL,
  id TEXT NOT NULL,
  list TEXT NOT NULL,
  card TEXT NOT NULL,
  customer TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  order_id TEXT,
  order_location_id TEXT,
  reason TEXT,
  delta INTEGER NOT NULL,
  new_balance INTEGER NOT NULL
);
CREATE UNIQUE INDEX loyalty_operations_id ON loyalty_operations (site, id);
CREATE INDEX loyalty_operations_card ON loyalty_operations (site, card, seq);
CREATE INDEX loyalty_operations_list ON loyalty_operations (site, list);
`;

/**
 * Version 5: the session lifecycle and the webhook outbox (README "Abandonment", "Webhooks").
 * A session is decided once per activity: `lifecycle_events` is its event count at the decision,
 * so a later event makes it active again without the write path knowing about lifecycles. The
 * partial indexes hold only what the detector still has to look at. Sessions and conversions
 * stored before this version count as decided: upgrading sends no webhook about the past.
 */
const V5_LIFECYCLE = `
ALTER TABLE sessions ADD COLUMN lifecycle TEXT;          -- abandoned_cart, abandoned_browse, closed, recovered
ALTER TABLE sessions ADD COLUMN lifecycle_events INTEGER;
ALTER TABLE sessions ADD COLUMN lifecycle_at INTEGER;     -- when it was decided (server clock)
ALTER TABLE sessions ADD COLUMN lifecycle_order TEXT;     -- the order the decision looked at
UPDATE sessions SET lifecycle = 'closed', lifecycle_events = events, lifecycle_at = written_at;
CREATE INDEX sessions_undecided ON sessions (site, written_at) WHERE lifecycle_events IS NOT events;
CREATE INDEX sessions_lifecycle_order ON sessions (site, lifecycle_order) WHERE lifecycle_order IS NOT NULL;
ALTER TABLE orders ADD COLUMN conversion_noted_at INTEGER;
UPDATE orders SET conversion_noted_at = written_at WHERE status = 'converted';
CREATE INDEX orders_conversion_unnoted ON orders (written_at) WHERE status = 'converted' AND conversion_noted_at IS NULL;
CREATE INDEX orders_session ON orders (site, session, updated_at) WHERE session IS NOT NULL;
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,           -- the delivery id every attempt sends
  site TEXT NOT NULL,
  type TEXT NOT NULL,
  url TEXT NOT NULL,
  body TEXT NOT NULL,            -- the raw JSON body, never changed between attempts
  state TEXT NOT NULL,           -- pending, delivered, dead, suppressed
  attempts INTEGER NOT NULL,
  next_at INTEGER NOT NULL,      -- due time, or the end of a running attempt's lease
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deadline INTEGER NOT NULL,     -- dead-lettered when no attempt succeeded by then
  last_status INTEGER,
  last_error TEXT,
  delivered_at INTEGER,
  session TEXT,
  order_id TEXT,
  email TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_site ON webhook_deliveries (site, created_at, id);
CREATE INDEX webhook_deliveries_listing ON webhook_deliveries (created_at, id);
CREATE INDEX webhook_deliveries_session ON webhook_deliveries (site, session) WHERE session IS NOT NULL;
CREATE INDEX events_click_back ON events (site, email, received_at) WHERE type = 'click_back';
`;

/**
 * Version 6: erasure finds a person's webhook deliveries by email and by order (by session it
 * already could), reading only that person's rows however large the outbox grows.
 */
const V6_DELIVERY_ERASURE = `
CREATE INDEX webhook_deliveries_email ON webhook_deliveries (site, email) WHERE email IS NOT NULL;
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (site, order_id) WHERE order_id IS NOT NULL;
`;

/**
 * Version 7: what a conversion was, as the order_converted webhook said it (README "Dashboard"):
 * the abandoned session it recovered (null: not a recovery) and whether the shopper came back
 * through a link, so the dashboard shows the same. Conversions noted before stay unattributed.
 * Deliveries by (site and) state, newest first: the dashboard's filter and its dead-letter count
 * read a range of these indexes instead of every delivery of the site. An abandoned cart finds the
 * order that recovered it (and whether through a click) by its session.
 */
const V7_ATTRIBUTION = `
ALTER TABLE orders ADD COLUMN recovered_session TEXT;
ALTER TABLE orders ADD COLUMN click_back INTEGER;
CREATE INDEX webhook_deliveries_site_state ON webhook_deliveries (site, state, created_at, id);
CREATE INDEX webhook_deliveries_state ON webhook_deliveries (state, created_at, id);
CREATE INDEX orders_recovered_session ON orders (site, recovered_session) WHERE recovered_session IS NOT NULL;
`;

/** Migrations by the version they bring the database to. */
const MIGRATIONS: ((db: Database) => void)[] = [
  (db) => db.exec(V1),
  (db) => {
    db.exec(V2_TABLES);
    migrateV1Documents(db);
  },
  (db) => db.exec(V3),
  (db) => db.exec(V4_HUBRISE),
  (db) => db.exec(V5_LIFECYCLE),
  (db) => db.exec(V6_DELIVERY_ERASURE),
  (db) => db.exec(V7_ATTRIBUTION),
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
