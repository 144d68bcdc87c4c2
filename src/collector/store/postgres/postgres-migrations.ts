/**
 * PostgreSQL schema, as numbered migrations applied in order at start, each in its own
 * transaction and recorded in `schema_migrations`. Several collector nodes may start at once:
 * an advisory lock makes one of them migrate while the others wait, and then find nothing to do.
 * A migration that has shipped is never edited: a change is a new one.
 */
import type { PoolClient } from 'pg';

/** Version 1: the event log and every assembled record, one row per line, metadata key, tag and membership. */
const V1 = `
CREATE TABLE events (
  cursor bigserial PRIMARY KEY,
  -- The inserting transaction: exports read in (tx, cursor) order and only below the oldest
  -- transaction still running, so an event committed late is never skipped (README "Scaling out").
  tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
  site text NOT NULL,
  id text NOT NULL,
  seq bigint NOT NULL,
  type text NOT NULL,
  ts double precision NOT NULL,
  visitor text NOT NULL,
  session text NOT NULL,
  order_id text,
  url text NOT NULL,
  data text NOT NULL,              -- normalized event data, JSON
  received_at bigint NOT NULL,
  UNIQUE (site, id)
);
CREATE INDEX events_export ON events (site, tx, cursor);

CREATE TABLE sessions (
  site text NOT NULL,
  id text NOT NULL,
  visitor text NOT NULL,
  email text,
  first_seen double precision NOT NULL,
  last_seen double precision NOT NULL,
  page_views integer NOT NULL,
  product_views integer NOT NULL,
  events integer NOT NULL,
  last_url text NOT NULL,
  written_at bigint NOT NULL,
  PRIMARY KEY (site, id)
);
CREATE INDEX sessions_written ON sessions (written_at);
CREATE INDEX sessions_site_written ON sessions (site, written_at);

CREATE TABLE visitors (
  site text NOT NULL,
  id text NOT NULL,
  email text,
  pending text,                    -- profile fields (and tags) sent before the email, JSON
  PRIMARY KEY (site, id)
);

CREATE TABLE orders (
  site text NOT NULL,
  id text NOT NULL,
  visitor text,
  session text,
  email text,
  status text NOT NULL,
  cart_data text NOT NULL,         -- cart fields without metadata, JSON
  campaign_type text,
  campaign_ids text NOT NULL,      -- JSON array
  created_at double precision NOT NULL,
  updated_at double precision NOT NULL,
  converted_at double precision,
  converted_by text,
  item_count integer NOT NULL,
  next_position integer NOT NULL,
  cart_data_seq bigint NOT NULL,
  closed_seq bigint NOT NULL,
  written_at bigint NOT NULL,
  PRIMARY KEY (site, id)
);
CREATE INDEX orders_email_status ON orders (site, email, status, updated_at);
CREATE INDEX orders_unlinked ON orders (site, visitor) WHERE email IS NULL;
CREATE INDEX orders_written ON orders (written_at);
CREATE INDEX orders_site_written ON orders (site, written_at);

CREATE TABLE order_items (
  site text NOT NULL,
  order_id text NOT NULL,
  product_id text NOT NULL,
  seq bigint NOT NULL,
  position integer NOT NULL,
  item text,                       -- CartItem JSON; NULL: removed (the row keeps the seq)
  PRIMARY KEY (site, order_id, product_id)
);

CREATE TABLE customers (
  site text NOT NULL,
  id text NOT NULL,
  email text NOT NULL,
  profile text NOT NULL,           -- profile fields without tags and metadata, JSON
  is_unsubscribed boolean NOT NULL,
  unsubscribe_date text,
  is_opted_in boolean NOT NULL,
  opt_in_date text,
  journeys_cancelled_at text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  written_at bigint NOT NULL,
  PRIMARY KEY (site, id),
  UNIQUE (site, email)
);
CREATE INDEX customers_written ON customers (written_at);
CREATE INDEX customers_site_written ON customers (site, written_at);

CREATE TABLE customer_tags (
  site text NOT NULL,
  customer text NOT NULL,
  position integer NOT NULL,
  tag text NOT NULL,
  PRIMARY KEY (site, customer, position)
);

CREATE TABLE memberships (
  site text NOT NULL,
  customer text NOT NULL,
  list_id text NOT NULL,
  first_name text,
  source text,
  subscribed_at double precision NOT NULL,
  PRIMARY KEY (site, customer, list_id)
);

CREATE TABLE metadata (
  site text NOT NULL,
  owner text NOT NULL,             -- kind:id (order, session, customer, visitor, opt_in)
  key text NOT NULL,
  value text NOT NULL,             -- JSON
  PRIMARY KEY (site, owner, key)
);
`;

/** Migrations by the version they bring the database to. */
const MIGRATIONS: string[] = [V1];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Any fixed number: the advisory lock that lets one node migrate at a time. */
const MIGRATION_LOCK = 72_657_381;

/** Brings the schema to this version; throws when the database is from a newer collector. */
export async function migrate(client: PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    const version = rows[0].version ?? 0;
    if (version > SCHEMA_VERSION) throw new Error(`database schema ${version} is newer than this collector (${SCHEMA_VERSION})`);
    for (let next = version; next < SCHEMA_VERSION; next++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[next]);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [next + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
