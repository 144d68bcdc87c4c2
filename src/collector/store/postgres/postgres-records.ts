/**
 * Row access of the PostgreSQL engine: the RecordTx of a write transaction and the RecordReader,
 * in parameterized SQL. Each call is one round trip whatever the number of records: keys go in
 * as arrays (`unnest`), rows as one JSON parameter (`json_to_recordset`).
 */
import { createHash } from 'node:crypto';
import type { ClientBase, Pool } from 'pg';
import type { CustomerRow, ItemRow, Membership, OrderHeader, VisitorRecord } from '../../domain/records';
import type { WritePlan } from '../../domain/write-plan';
import type { RecordReader, RecordTx } from '../engine';
import type { SessionRow } from '../store';

type Row = Record<string, unknown>;
type Queryable = Pick<ClientBase, 'query'> | Pick<Pool, 'query'>;

const ORDER_COLUMNS = `site, id, visitor, session, email, status, cart_data, campaign_type, campaign_ids, created_at, updated_at,
  converted_at, converted_by, item_count, next_position, cart_data_seq, closed_seq`;
const CUSTOMER_COLUMNS = `site, id, email, profile, is_unsubscribed, unsubscribe_date, is_opted_in, opt_in_date,
  journeys_cancelled_at, created_at, updated_at`;
const SESSION_COLUMNS = 'site, id, visitor, email, first_seen, last_seen, page_views, product_views, events, last_url';

const toOrder = (row: Row): OrderHeader => ({
  ...(row as unknown as OrderHeader),
  cart_data: JSON.parse(row.cart_data as string),
  campaign_ids: JSON.parse(row.campaign_ids as string),
});
const toCustomer = (row: Row): CustomerRow => ({ ...(row as unknown as CustomerRow), profile: JSON.parse(row.profile as string) });
const toItem = (row: Row): ItemRow => ({
  site: row.site as string,
  order: row.order_id as string,
  product_id: row.product_id as string,
  seq: row.seq as number,
  position: row.position as number,
  item: row.item == null ? null : JSON.parse(row.item as string),
});
const toVisitor = (row: Row): VisitorRecord => ({
  site: row.site as string,
  id: row.id as string,
  email: row.email as string | null,
  pending: row.pending == null ? null : JSON.parse(row.pending as string),
});

/**
 * The advisory lock number of a record key: the first 8 bytes of its SHA-1 as a signed 64-bit
 * integer. Two keys may share a number; that only makes them wait for each other.
 */
export const lockNumber = (key: string): bigint => createHash('sha1').update(key).digest().readBigInt64BE(0);

/** Lock numbers in ascending order, each once: every transaction takes its locks in this order. */
const lockNumbers = (keys: string[]): string[] =>
  [...new Set(keys.map(lockNumber))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);

/** Takes the advisory locks of `keys` in ascending order, waiting for each. */
export async function takeLocks(client: Queryable, keys: string[]): Promise<void> {
  if (keys.length) await client.query('SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k', [lockNumbers(keys)]);
}

/** Column lists of `keys` ([[site, id], ...] → [[sites...], [ids...]]), for `unnest`. */
const columns = (keys: string[][], width: number): string[][] => Array.from({ length: width }, (_, i) => keys.map((key) => key[i]));

export function createPostgresRecordTx(client: ClientBase): RecordTx {
  const rows = async (sql: string, params: unknown[]): Promise<Row[]> => (await client.query(sql, params)).rows;
  const byKeys = async (sql: string, keys: string[][], width: number): Promise<Row[]> => (keys.length ? rows(sql, columns(keys, width)) : []);
  /** Runs `sql` with the records as $1 (JSON) and the write time as $2, unless there are none. */
  const write = async (sql: string, records: unknown[], now = 0): Promise<void> => {
    if (records.length) await client.query(sql, sql.includes('$2') ? [JSON.stringify(records), now] : [JSON.stringify(records)]);
  };

  const apply = async (plan: WritePlan, now: number): Promise<void> => {
    await write(
      `INSERT INTO customers (${CUSTOMER_COLUMNS}, written_at)
       SELECT ${CUSTOMER_COLUMNS}, $2::bigint FROM json_to_recordset($1::json) AS x(site text, id text, email text, profile text,
         is_unsubscribed boolean, unsubscribe_date text, is_opted_in boolean, opt_in_date text, journeys_cancelled_at text,
         created_at bigint, updated_at bigint)
       ON CONFLICT (site, id) DO UPDATE SET email = excluded.email, profile = excluded.profile,
         is_unsubscribed = excluded.is_unsubscribed, unsubscribe_date = excluded.unsubscribe_date,
         is_opted_in = excluded.is_opted_in, opt_in_date = excluded.opt_in_date,
         journeys_cancelled_at = excluded.journeys_cancelled_at, updated_at = excluded.updated_at, written_at = excluded.written_at`,
      [...plan.customers.values()].map((customer) => ({ ...customer, profile: JSON.stringify(customer.profile) })),
      now,
    );
    await write(
      `INSERT INTO visitors (site, id, email, pending)
       SELECT site, id, email, pending FROM json_to_recordset($1::json) AS x(site text, id text, email text, pending text)
       ON CONFLICT (site, id) DO UPDATE SET email = excluded.email, pending = excluded.pending`,
      [...plan.visitors.values()].map((visitor) => ({ ...visitor, pending: visitor.pending && JSON.stringify(visitor.pending) })),
    );
    const sessions = [...plan.sessions.values()];
    await write(
      `INSERT INTO sessions AS s (${SESSION_COLUMNS}, written_at)
       SELECT ${SESSION_COLUMNS}, $2::bigint FROM json_to_recordset($1::json) AS x(site text, id text, visitor text, email text,
         first_seen double precision, last_seen double precision, page_views integer, product_views integer, events integer,
         last_url text)
       ON CONFLICT (site, id) DO UPDATE SET
         email = coalesce(s.email, excluded.email),
         first_seen = least(s.first_seen, excluded.first_seen),
         last_url = CASE WHEN excluded.last_seen >= s.last_seen THEN excluded.last_url ELSE s.last_url END,
         last_seen = greatest(s.last_seen, excluded.last_seen),
         page_views = s.page_views + excluded.page_views,
         product_views = s.product_views + excluded.product_views,
         events = s.events + excluded.events,
         written_at = excluded.written_at`,
      sessions,
      now,
    );
    // An email the session's shopper just gave replaces the one it had.
    await write(
      `UPDATE sessions s SET email = x.email FROM json_to_recordset($1::json) AS x(site text, id text, email text)
       WHERE s.site = x.site AND s.id = x.id`,
      sessions.filter((session) => session.email_replaces),
    );
    await write(
      `INSERT INTO orders (${ORDER_COLUMNS}, written_at)
       SELECT ${ORDER_COLUMNS}, $2::bigint FROM json_to_recordset($1::json) AS x(site text, id text, visitor text, session text,
         email text, status text, cart_data text, campaign_type text, campaign_ids text, created_at double precision,
         updated_at double precision, converted_at double precision, converted_by text, item_count integer,
         next_position integer, cart_data_seq bigint, closed_seq bigint)
       ON CONFLICT (site, id) DO UPDATE SET visitor = excluded.visitor, session = excluded.session, email = excluded.email,
         status = excluded.status, cart_data = excluded.cart_data, campaign_type = excluded.campaign_type,
         campaign_ids = excluded.campaign_ids, updated_at = excluded.updated_at, converted_at = excluded.converted_at,
         converted_by = excluded.converted_by, item_count = excluded.item_count, next_position = excluded.next_position,
         cart_data_seq = excluded.cart_data_seq, closed_seq = excluded.closed_seq, written_at = excluded.written_at`,
      [...plan.orders.values()].map((order) => ({ ...order, cart_data: JSON.stringify(order.cart_data), campaign_ids: JSON.stringify(order.campaign_ids) })),
      now,
    );
    await write(
      `DELETE FROM order_items i USING json_to_recordset($1::json) AS x(site text, "order" text)
       WHERE i.site = x.site AND i.order_id = x."order"`,
      [...plan.clearedItems.values()],
    );
    await write(
      `INSERT INTO order_items (site, order_id, product_id, seq, position, item)
       SELECT site, "order", product_id, seq, position, item FROM json_to_recordset($1::json)
         AS x(site text, "order" text, product_id text, seq bigint, position integer, item text)
       ON CONFLICT (site, order_id, product_id) DO UPDATE SET seq = excluded.seq, position = excluded.position, item = excluded.item`,
      [...plan.items.values()].map((line) => ({ ...line, item: line.item && JSON.stringify(line.item) })),
    );
    const tags = [...plan.tags.values()];
    await write(
      `DELETE FROM customer_tags t USING json_to_recordset($1::json) AS x(site text, customer text)
       WHERE t.site = x.site AND t.customer = x.customer`,
      tags,
    );
    await write(
      `INSERT INTO customer_tags (site, customer, position, tag)
       SELECT site, customer, position, tag FROM json_to_recordset($1::json) AS x(site text, customer text, position integer, tag text)`,
      tags.flatMap(({ site, customer, tags: list }) => list.map((tag, position) => ({ site, customer, position, tag }))),
    );
    await write(
      `INSERT INTO memberships (site, customer, list_id, first_name, source, subscribed_at)
       SELECT site, customer, list_id, first_name, source, subscribed_at FROM json_to_recordset($1::json)
         AS x(site text, customer text, list_id text, first_name text, source text, subscribed_at double precision)
       ON CONFLICT (site, customer, list_id) DO UPDATE SET first_name = excluded.first_name, source = excluded.source,
         subscribed_at = excluded.subscribed_at`,
      [...plan.memberships.values()],
    );
    await write(
      `DELETE FROM metadata m USING json_to_recordset($1::json) AS x(site text, owner text) WHERE m.site = x.site AND m.owner = x.owner`,
      [...plan.metadata.cleared.values()],
    );
    for (const { site, from, to, keys } of plan.metadata.moved) {
      await client.query(
        `INSERT INTO metadata (site, owner, key, value)
         SELECT site, $3, key, value FROM metadata WHERE site = $1 AND owner = $2 AND key = ANY($4::text[])
         ON CONFLICT (site, owner, key) DO UPDATE SET value = excluded.value`,
        [site, from, to, keys],
      );
      await client.query('DELETE FROM metadata WHERE site = $1 AND owner = $2', [site, from]);
    }
    await write(
      `INSERT INTO metadata (site, owner, key, value)
       SELECT site, owner, key, value FROM json_to_recordset($1::json) AS x(site text, owner text, key text, value text)
       ON CONFLICT (site, owner, key) DO UPDATE SET value = excluded.value`,
      [...plan.metadata.upserts.values()].flatMap(({ site, owner, entries }) => [...entries].map(([key, value]) => ({ site, owner, key, value }))),
    );
    await write(
      `UPDATE orders o SET email = x.email, written_at = $2::bigint FROM json_to_recordset($1::json) AS x(site text, visitor text, email text)
       WHERE o.site = x.site AND o.visitor = x.visitor AND o.email IS NULL`,
      plan.linkedOrders,
      now,
    );
    await write(
      `DELETE FROM events e USING json_to_recordset($1::json) AS x(site text, id text) WHERE e.site = x.site AND e.id = x.id`,
      plan.refused,
    );
  };

  return {
    async tryLock(keys) {
      if (!keys.length) return true;
      const [row] = await rows('SELECT bool_and(pg_try_advisory_xact_lock(k)) AS ok FROM unnest($1::bigint[]) AS k', [lockNumbers(keys)]);
      return row.ok === true;
    },
    lock: (keys) => takeLocks(client, keys),
    async insertEvents(events, receivedAt) {
      if (!events.length) return [];
      const inserted = await rows(
        `INSERT INTO events (site, id, seq, type, ts, visitor, session, order_id, url, data, received_at)
         SELECT site, id, seq, type, ts, visitor, session, order_id, url, data, $2::bigint FROM json_to_recordset($1::json)
           AS x(site text, id text, seq bigint, type text, ts double precision, visitor text, session text, order_id text, url text, data text)
         ON CONFLICT (site, id) DO NOTHING
         RETURNING site, id`,
        [
          JSON.stringify(
            events.map(({ site, event }) => ({
              site, id: event.id, seq: event.seq, type: event.type, ts: event.ts, visitor: event.visitor, session: event.session,
              order_id: event.order, url: event.url, data: JSON.stringify(event.data),
            })),
          ),
          receivedAt,
        ],
      );
      const fresh = new Set(inserted.map((row) => `${row.site}\u0000${row.id}`));
      // The first copy of an event repeated in one group is the one stored.
      return events.filter(({ site, event }) => fresh.delete(`${site}\u0000${event.id}`));
    },
    visitors: async (keys) =>
      (await byKeys('SELECT v.* FROM visitors v JOIN unnest($1::text[], $2::text[]) AS k(site, id) USING (site, id)', keys, 2)).map(toVisitor),
    orders: async (keys) =>
      (await byKeys(`SELECT ${ORDER_COLUMNS} FROM orders JOIN unnest($1::text[], $2::text[]) AS k(site, id) USING (site, id)`, keys, 2)).map(toOrder),
    items: async (keys) =>
      (
        await byKeys(
          `SELECT i.* FROM order_items i JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(site, order_id, product_id) USING (site, order_id, product_id)`,
          keys,
          3,
        )
      ).map(toItem),
    customersByEmail: async (keys) =>
      (await byKeys(`SELECT ${CUSTOMER_COLUMNS} FROM customers JOIN unnest($1::text[], $2::text[]) AS k(site, email) USING (site, email)`, keys, 2)).map(
        toCustomer,
      ),
    async customerById(site, id) {
      const [row] = await rows(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = $1 AND id = $2`, [site, id]);
      return row && toCustomer(row);
    },
    openOrders: async (site, email) =>
      (
        await rows(`SELECT ${ORDER_COLUMNS} FROM orders WHERE site = $1 AND email = $2 AND status = 'open' ORDER BY updated_at DESC, id DESC LIMIT 1000`, [
          site,
          email,
        ])
      ).map(toOrder),
    metadataKeys: async (owners) =>
      (await byKeys('SELECT site, owner, key FROM metadata JOIN unnest($1::text[], $2::text[]) AS k(site, owner) USING (site, owner)', owners, 2)).map(
        (row): [string, string, string] => [row.site as string, row.owner as string, row.key as string],
      ),
    apply,
  };
}

/** The RecordReader over the pool: each query sees what is committed when it runs. */
export function createPostgresReader(pool: Pool): RecordReader {
  const rows = async (sql: string, params: unknown[]): Promise<Row[]> => (await pool.query(sql, params)).rows;
  const one = async (sql: string, params: unknown[]): Promise<Row | undefined> => (await rows(sql, params))[0];
  const recentSql = (table: string, bySite: boolean): string =>
    `SELECT site, id FROM ${table} ${bySite ? 'WHERE site = $2' : ''} ORDER BY written_at DESC LIMIT $1`;
  return {
    session: async (site, id) => (await one(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE site = $1 AND id = $2`, [site, id])) as SessionRow | undefined,
    async order(site, id) {
      const row = await one(`SELECT ${ORDER_COLUMNS} FROM orders WHERE site = $1 AND id = $2`, [site, id]);
      return row && toOrder(row);
    },
    items: async (site, order, limit) =>
      (
        await rows('SELECT * FROM order_items WHERE site = $1 AND order_id = $2 AND item IS NOT NULL ORDER BY position LIMIT $3', [site, order, limit])
      ).map(toItem),
    async customerByEmail(site, email) {
      const row = await one(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = $1 AND email = $2`, [site, email]);
      return row && toCustomer(row);
    },
    async customerById(site, id) {
      const row = await one(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = $1 AND id = $2`, [site, id]);
      return row && toCustomer(row);
    },
    tags: async (site, customer) =>
      (await rows('SELECT tag FROM customer_tags WHERE site = $1 AND customer = $2 ORDER BY position', [site, customer])).map((row) => row.tag as string),
    memberships: async (site, customer) =>
      (await rows('SELECT * FROM memberships WHERE site = $1 AND customer = $2', [site, customer])) as unknown as Membership[],
    metadata: async (site, owner) =>
      (await rows('SELECT key, value FROM metadata WHERE site = $1 AND owner = $2 ORDER BY key COLLATE "C"', [site, owner])).map(
        (row): [string, string] => [row.key as string, row.value as string],
      ),
    recent: async (kind, site, limit) =>
      (await rows(recentSql(kind, site !== undefined), site === undefined ? [limit] : [limit, site])).map((row): [string, string] => [
        row.site as string,
        row.id as string,
      ]),
  };
}
