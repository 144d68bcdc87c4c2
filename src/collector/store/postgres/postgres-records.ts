/**
 * Row access of the PostgreSQL engine: the RecordTx of a write transaction and the RecordReader,
 * in parameterized SQL. Each call is one round trip whatever the number of records: keys go in
 * as arrays (`unnest`), rows as one JSON parameter (`json_to_recordset`). A beacon transaction
 * makes four: BEGIN, rejoiner_prepare_batch, rejoiner_apply (server-side functions of
 * postgres-migrations.ts) and COMMIT; every round trip costs system calls on both sides.
 */
import type { ClientBase, Pool } from 'pg';
import type { CustomerRow, ItemRow, Membership, OrderHeader, VisitorRecord } from '../../domain/records';
import type { WritePlan } from '../../domain/write-plan';
import type { SiteEvent } from '../../domain/assemble-events';
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

/** Takes the advisory locks of `names` in the one fixed order (see rejoiner_lock), waiting for each. */
export async function takeLocks(client: Queryable, names: string[]): Promise<void> {
  if (names.length) await client.query({ name: 'rejoiner_lock', text: 'SELECT rejoiner_lock($1::text[])', values: [names] });
}

/** Column lists of `keys` ([[site, id], ...] → [[sites...], [ids...]]), for `unnest`. */
const columns = (keys: string[][], width: number): string[][] => Array.from({ length: width }, (_, i) => keys.map((key) => key[i]));

/** An event as a row of the events table (data as JSON text). */
const eventRow = ({ site, event }: SiteEvent) => ({
  site, id: event.id, seq: event.seq, type: event.type, ts: event.ts, visitor: event.visitor, session: event.session,
  order_id: event.order, url: event.url, data: JSON.stringify(event.data),
});

export function createPostgresRecordTx(client: ClientBase): RecordTx {
  const rows = async (sql: string, params: unknown[]): Promise<Row[]> => (await client.query(sql, params)).rows;
  const byKeys = async (sql: string, keys: string[][], width: number): Promise<Row[]> => (keys.length ? rows(sql, columns(keys, width)) : []);

  /** The plan in the shape of rejoiner_apply (postgres-migrations.ts): one round trip for every write. */
  const apply = async (plan: WritePlan, now: number): Promise<void> => {
    const tags = [...plan.tags.values()];
    const body = {
      customers: [...plan.customers.values()].map((customer) => ({ ...customer, profile: JSON.stringify(customer.profile) })),
      visitors: [...plan.visitors.values()].map((visitor) => ({ ...visitor, pending: visitor.pending && JSON.stringify(visitor.pending) })),
      sessions: [...plan.sessions.values()],
      session_emails: [...plan.sessions.values()].filter((session) => session.email_replaces).map(({ site, id, email }) => ({ site, id, email })),
      orders: [...plan.orders.values()].map((order) => ({ ...order, cart_data: JSON.stringify(order.cart_data), campaign_ids: JSON.stringify(order.campaign_ids) })),
      cleared_items: [...plan.clearedItems.values()].map(({ site, order }) => ({ site, order_id: order })),
      items: [...plan.items.values()].map((line) => ({
        site: line.site, order_id: line.order, product_id: line.product_id, seq: line.seq, position: line.position,
        item: line.item && JSON.stringify(line.item),
      })),
      tag_owners: tags.map(({ site, customer }) => ({ site, customer })),
      tags: tags.flatMap(({ site, customer, tags: list }) => list.map((tag, position) => ({ site, customer, position, tag }))),
      memberships: [...plan.memberships.values()],
      metadata_cleared: [...plan.metadata.cleared.values()],
      metadata_moved: plan.metadata.moved,
      metadata: [...plan.metadata.upserts.values()].flatMap(({ site, owner, entries }) => [...entries].map(([key, value]) => ({ site, owner, key, value }))),
      linked_orders: plan.linkedOrders,
      refused: plan.refused.map(({ site, id }) => ({ site, id })),
    };
    await client.query({ name: 'rejoiner_apply', text: 'SELECT rejoiner_apply($1::json, $2::bigint)', values: [JSON.stringify(body), now] });
  };

  return {
    async prepareBatch(request) {
      const { rows: [row] } = await client.query({
        name: 'rejoiner_prepare_batch',
        text: 'SELECT rejoiner_prepare_batch($1::json) AS prepared',
        values: [
          JSON.stringify({
            events: request.events.map(eventRow),
            received_at: request.receivedAt,
            visitors: request.visitors.map(([site, id]) => ({ site, id })),
            orders: request.orders.map(([site, id]) => ({ site, id })),
            items: request.items.map(([site, order, product]) => ({ site, order_id: order, product_id: product })),
            emails: request.emails.map(([site, email]) => ({ site, email })),
            owners: request.owners.map(([site, owner]) => ({ site, owner })),
            held: [...request.locks],
          }),
        ],
      });
      const prepared = row.prepared as Record<string, Row[]> & { conflict?: string[] };
      if (prepared.conflict) return { conflict: prepared.conflict };
      const fresh = new Set(prepared.fresh.map((entry) => `${entry.site}\u0000${entry.id}`));
      return {
        // The first copy of an event repeated in one group is the one stored.
        fresh: request.events.filter(({ site, event }) => fresh.delete(`${site}\u0000${event.id}`)),
        visitors: prepared.visitors.map(toVisitor),
        orders: prepared.orders.map(toOrder),
        items: prepared.items.map(toItem),
        customers: prepared.customers.map(toCustomer),
        metadataKeys: prepared.keys as unknown as [string, string, string][],
      };
    },
    async tryLock(names) {
      if (!names.length) return true;
      const [row] = await rows('SELECT rejoiner_try_lock($1::text[]) AS ok', [names]);
      return row.ok === true;
    },
    lock: (names) => takeLocks(client, names),
    async insertEvents(events, receivedAt) {
      if (!events.length) return [];
      const inserted = await rows(
        `INSERT INTO events (site, id, seq, type, ts, visitor, session, order_id, url, data, received_at)
         SELECT site, id, seq, type, ts, visitor, session, order_id, url, data, $2::bigint FROM json_to_recordset($1::json)
           AS x(site text, id text, seq bigint, type text, ts double precision, visitor text, session text, order_id text, url text, data text)
         ON CONFLICT (site, id) DO NOTHING
         RETURNING site, id`,
        [JSON.stringify(events.map(eventRow)), receivedAt],
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
    memberships: async (site, customer, limit) =>
      (await rows('SELECT * FROM memberships WHERE site = $1 AND customer = $2 ORDER BY subscribed_at DESC, list_id LIMIT $3', [
        site,
        customer,
        limit,
      ])) as unknown as Membership[],
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
