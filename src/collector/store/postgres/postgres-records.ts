/**
 * Row access of the PostgreSQL engine: the RecordTx of a write transaction and the RecordReader,
 * in parameterized SQL. Each call is one round trip whatever the number of records: keys go in
 * as arrays (`unnest`), rows as one JSON parameter (`json_to_recordset`). A beacon transaction
 * makes four: BEGIN, rejoiner_prepare_batch, rejoiner_apply (server-side functions of
 * postgres-migrations.ts) and COMMIT; every round trip costs system calls on both sides.
 */
import type { ClientBase, Pool } from 'pg';
import { phoneKey } from '../../domain/phone';
import type { ListRecord, Membership, VisitorRecord } from '../../domain/records';
import type { WritePlan } from '../../domain/write-plan';
import { deliveryFactsOf, toCustomer, toItem, toOrder } from './postgres-rows';
import { emailOfEvent, type SiteEvent } from '../../domain/assemble-events';
import type { ContactRow, PageRequest, RecordReader, RecordTx, RowPage } from '../engine';
import { createDashboardReader, POSTGRES_DIALECT } from '../dashboard-sql';
import { isPostgresCursor } from './postgres-export';
import { createPostgresHubriseTx } from './postgres-hubrise';
import { createPostgresAutomationTx } from './postgres-automation';
import type { SessionRow } from '../store';
import { effectiveState } from '../../domain/lifecycle';

type Row = Record<string, unknown>;
type Queryable = Pick<ClientBase, 'query'> | Pick<Pool, 'query'>;

const ORDER_COLUMNS = `site, id, visitor, session, email, status, cart_data, campaign_type, campaign_ids, created_at, updated_at,
  converted_at, converted_by, item_count, next_position, cart_data_seq, closed_seq`;
const CUSTOMER_COLUMNS = `site, id, container, email, external_id, private_ref, profile, consent, stats, status, anonymised,
  journeys_cancelled_at, created_at, updated_at`;
const SESSION_COLUMNS = 'site, id, visitor, email, first_seen, last_seen, page_views, product_views, events, last_url';
const SESSION_READ_COLUMNS = `${SESSION_COLUMNS}, payment_date, fulfillment_date, delivery_date, lifecycle, lifecycle_events, lifecycle_at`;

/** A session row with its effective lifecycle state (a decision older than the last event no longer holds). */
const sessionOf = (row: Row | undefined): SessionRow | undefined => {
  if (!row) return undefined;
  const { lifecycle_events: _events, ...rest } = row;
  return { ...(rest as unknown as SessionRow), lifecycle: effectiveState(row as Parameters<typeof effectiveState>[0]) };
};
const MEMBERSHIP_COLUMNS = 'site, customer, list_id, first_name, source, subscribed_at, custom_fields';
const LIST_COLUMNS = 'site, id, name, created_at, contact_count';

const toMembership = (row: Row): Membership => ({
  site: row.site as string,
  customer: row.customer as string,
  list_id: row.list_id as string,
  first_name: row.first_name as string | null,
  source: row.source as string | null,
  subscribed_at: row.subscribed_at as number,
  custom_fields: JSON.parse(row.custom_fields as string),
});
const toList = ({ site, id, name, created_at, contact_count }: Row): ListRecord => ({ site, id, name, created_at, contact_count }) as ListRecord;

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
  order_id: event.order, url: event.url, data: JSON.stringify(event.data), email: emailOfEvent(event),
});

export function createPostgresRecordTx(client: ClientBase): RecordTx {
  const rows = async (sql: string, params: unknown[]): Promise<Row[]> => (await client.query(sql, params)).rows;
  const byKeys = async (sql: string, keys: string[][], width: number): Promise<Row[]> => (keys.length ? rows(sql, columns(keys, width)) : []);

  /** The plan in the shape of rejoiner_apply (postgres-migrations.ts): one round trip for every write. */
  const apply = async (plan: WritePlan, now: number): Promise<void> => {
    const tags = [...plan.tags.values()];
    const body = {
      customers: [...plan.customers.values()].map((customer) => ({
        ...customer,
        profile: JSON.stringify(customer.profile),
        consent: JSON.stringify(customer.consent),
        stats: JSON.stringify(customer.stats),
        phone_key: phoneKey(customer.profile.phone),
      })),
      visitors: [...plan.visitors.values()].map((visitor) => ({ ...visitor, pending: visitor.pending && JSON.stringify(visitor.pending) })),
      sessions: [...plan.sessions.values()],
      session_emails: [...plan.sessions.values()].filter((session) => session.email_replaces).map(({ site, id, email }) => ({ site, id, email })),
      orders: [...plan.orders.values()].map((order) => ({ ...order, cart_data: JSON.stringify(order.cart_data), campaign_ids: JSON.stringify(order.campaign_ids) })),
      cleared_items: [...plan.clearedItems.values()].map(({ site, order }) => ({ site, order_id: order })),
      items: [...plan.items.values()].map((line) => ({
        site: line.site, order_id: line.order, product_id: line.product_id, seq: line.seq, position: line.position,
        item: line.item && JSON.stringify(line.item),
      })),
      tag_owners: tags.map(({ site, customer, kind }) => ({ site, customer, kind })),
      tags: tags.flatMap(({ site, customer, kind, tags: list }) => list.map((tag, position) => ({ site, customer, kind, position, tag }))),
      lists: [...plan.lists.values()],
      memberships: [...plan.memberships.values()]
        .filter((m) => m.custom_fields !== null)
        .map((m) => ({ ...m, custom_fields: JSON.stringify(m.custom_fields) })),
      memberships_keeping_fields: [...plan.memberships.values()].filter((m) => m.custom_fields === null),
      removed_memberships: [...plan.removedMemberships.values()],
      session_annotations: [...plan.sessionAnnotations.values()].map((note) => ({
        site: note.site,
        id: note.id,
        set_payment: note.payment_date !== undefined,
        payment_date: note.payment_date ?? null,
        set_fulfillment: note.fulfillment_date !== undefined,
        fulfillment_date: note.fulfillment_date ?? null,
        set_delivery: note.delivery_date !== undefined,
        delivery_date: note.delivery_date ?? null,
      })),
      metadata_cleared: [...plan.metadata.cleared.values()],
      erasure: plan.erasure ?? null,
      metadata_moved: plan.metadata.moved,
      metadata_removed: plan.metadata.removed,
      metadata: [...plan.metadata.upserts.values()].flatMap(({ site, owner, entries }) => [...entries].map(([key, value]) => ({ site, owner, key, value }))),
      linked_orders: plan.linkedOrders,
      refused: plan.refused.map(({ site, id }) => ({ site, id })),
    };
    await client.query({ name: 'rejoiner_apply', text: 'SELECT rejoiner_apply($1::json, $2::bigint)', values: [JSON.stringify(body), now] });
  };

  return {
    hubrise: createPostgresHubriseTx(client),
    automation: createPostgresAutomationTx(client),
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
            lists: request.lists.map(([site, id]) => ({ site, id })),
            linking_visitors: request.linkingVisitors.map(([site, visitor]) => ({ site, visitor })),
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
        lists: prepared.lists.map(toList),
        listCounts: (prepared.list_counts as unknown as [string, number][]).map(([site, count]) => [site, Number(count)]),
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
        `INSERT INTO events (site, id, seq, type, ts, visitor, session, order_id, url, data, received_at, email)
         SELECT site, id, seq, type, ts, visitor, session, order_id, url, data, $2::bigint, email FROM json_to_recordset($1::json)
           AS x(site text, id text, seq bigint, type text, ts double precision, visitor text, session text, order_id text, url text,
             data text, email text)
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
      (await byKeys(`SELECT ${CUSTOMER_COLUMNS} FROM customers JOIN unnest($1::text[], $2::text[]) AS k(site, email) USING (site, email) WHERE container = 'default'`, keys, 2)).map(
        toCustomer,
      ),
    async customerById(site, id) {
      const [row] = await rows(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = $1 AND id = $2`, [site, id]);
      return row && toCustomer(row);
    },
    convertedUnlinkedOrders: async (keys, limit) =>
      (
        await byKeys(
          `SELECT o.* FROM unnest($1::text[], $2::text[]) AS k(site, visitor),
             LATERAL (SELECT ${ORDER_COLUMNS} FROM orders WHERE site = k.site AND visitor = k.visitor AND email IS NULL AND status = 'converted'
                      ORDER BY updated_at DESC LIMIT ${Number(limit)}) AS o`,
          keys,
          2,
        )
      ).map(toOrder),
    openOrders: async (site, email) =>
      (
        await rows(`SELECT ${ORDER_COLUMNS} FROM orders WHERE site = $1 AND email = $2 AND status = 'open' ORDER BY updated_at DESC, id DESC LIMIT 1000`, [
          site,
          email,
        ])
      ).map(toOrder),
    lists: async (keys) =>
      (await byKeys(`SELECT ${LIST_COLUMNS} FROM lists JOIN unnest($1::text[], $2::text[]) AS k(site, id) USING (site, id)`, keys, 2)).map(toList),
    listCount: async (site) => Number((await rows('SELECT count(*) AS n FROM lists WHERE site = $1', [site]))[0].n),
    memberships: async (keys) =>
      (
        await byKeys(
          `SELECT ${MEMBERSHIP_COLUMNS} FROM memberships JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(site, customer, list_id) USING (site, customer, list_id)`,
          keys,
          3,
        )
      ).map(toMembership),
    tags: async (site, customer, kind) =>
      (await rows('SELECT tag FROM customer_tags WHERE site = $1 AND customer = $2 AND kind = $3 ORDER BY position', [site, customer, kind])).map(
        (row) => row.tag as string,
      ),
    sessionExists: async (site, id) => (await rows('SELECT 1 FROM sessions WHERE site = $1 AND id = $2', [site, id])).length > 0,
    async customerByExternalId(site, externalId) {
      const [row] = await rows(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = $1 AND external_id = $2`, [site, externalId]);
      return row && toCustomer(row);
    },
    customersByPhone: async (site, key, limit) =>
      (
        await rows(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = $1 AND phone_key = $2 AND container = 'default' ORDER BY created_at, id LIMIT $3`, [
          site,
          key,
          limit,
        ])
      ).map(toCustomer),
    customerMemberships: async (site, customer, limit) =>
      (await rows(`SELECT ${MEMBERSHIP_COLUMNS} FROM memberships WHERE site = $1 AND customer = $2 LIMIT $3`, [site, customer, limit])).map(toMembership),
    metadataKeys: async (owners) =>
      (await byKeys('SELECT site, owner, key FROM metadata JOIN unnest($1::text[], $2::text[]) AS k(site, owner) USING (site, owner)', owners, 2)).map(
        (row): [string, string, string] => [row.site as string, row.owner as string, row.key as string],
      ),
    async personRecords(site, email, customerId) {
      const visitors = email ? (await rows('SELECT * FROM visitors WHERE site = $1 AND email = $2', [site, email])).map(toVisitor) : [];
      const sessions = email ? (await rows('SELECT id FROM sessions WHERE site = $1 AND email = $2', [site, email])).map((row) => row.id as string) : [];
      const orders = email ? (await rows(`SELECT ${ORDER_COLUMNS} FROM orders WHERE site = $1 AND email = $2`, [site, email])).map(toOrder) : [];
      const owners = [...sessions.map((id) => `session:${id}`), ...orders.map((order) => `order:${order.id}`)];
      return {
        visitors,
        sessions,
        orders,
        memberships: (await rows(`SELECT ${MEMBERSHIP_COLUMNS} FROM memberships WHERE site = $1 AND customer = $2`, [site, customerId])).map(toMembership),
        metadata: (await rows('SELECT owner, key, value FROM metadata WHERE site = $1 AND owner = ANY($2::text[])', [site, owners])).map(
          (row): [string, string, string] => [row.owner as string, row.key as string, row.value as string],
        ),
        items: (await rows('SELECT * FROM order_items WHERE site = $1 AND order_id = ANY($2::text[])', [site, orders.map((order) => order.id)])).map(toItem),
      };
    },
    async eventsOfPerson(site, by, after, limit) {
      const column = 'visitor' in by ? 'visitor' : 'email';
      const found = await rows(
        `SELECT cursor::text AS ref, type, url, data FROM events WHERE site = $1 AND ${column} = $2 AND cursor > $3 ORDER BY cursor LIMIT $4`,
        [site, 'visitor' in by ? by.visitor : by.email, after ?? '0', limit],
      );
      return found.map((row) => ({ ref: row.ref as string, type: row.type as string, url: row.url as string, data: JSON.parse(row.data as string) }));
    },
    async rewriteEvents(site, changed) {
      if (!changed.length) return;
      await client.query(
        `UPDATE events e SET url = x.url, data = x.data, email = NULL FROM json_to_recordset($1::json) AS x(ref bigint, url text, data text)
         WHERE e.site = $2 AND e.cursor = x.ref`,
        [JSON.stringify(changed.map((row) => ({ ref: row.ref, url: row.url, data: JSON.stringify(row.data) }))), site],
      );
    },
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
    ...createDashboardReader(POSTGRES_DIALECT, ({ sql, params }) => rows(sql, params)),
    session: async (site, id) => sessionOf(await one(`SELECT ${SESSION_READ_COLUMNS} FROM sessions WHERE site = $1 AND id = $2`, [site, id])),
    deliveryFacts: async ({ id, site, session, order_id, email }) =>
      deliveryFactsOf(
        (await one(
          `SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $1) AS present,
             (SELECT first_seen FROM sessions WHERE site = $2 AND id = $3) AS first_seen,
             (SELECT status FROM orders WHERE site = $2 AND id = $4) AS order_status,
             c.status AS customer_status, c.consent, c.journeys_cancelled_at
           FROM (SELECT 1) AS one LEFT JOIN customers c ON c.site = $2 AND c.container = 'default' AND c.email = $5`,
          [id, site, session, order_id, email],
        ))!,
      ),
    async order(site, id) {
      const row = await one(`SELECT ${ORDER_COLUMNS} FROM orders WHERE site = $1 AND id = $2`, [site, id]);
      return row && toOrder(row);
    },
    items: async (site, order, limit) =>
      (
        await rows('SELECT * FROM order_items WHERE site = $1 AND order_id = $2 AND item IS NOT NULL ORDER BY position LIMIT $3', [site, order, limit])
      ).map(toItem),
    async customerByEmail(site, email) {
      const row = await one(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = $1 AND container = 'default' AND email = $2`, [site, email]);
      return row && toCustomer(row);
    },
    async customerById(site, id) {
      const row = await one(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = $1 AND id = $2`, [site, id]);
      return row && toCustomer(row);
    },
    tags: async (site, customer, kind) =>
      (await rows('SELECT tag FROM customer_tags WHERE site = $1 AND customer = $2 AND kind = $3 ORDER BY position', [site, customer, kind])).map(
        (row) => row.tag as string,
      ),
    memberships: async (site, customer, limit) =>
      (
        await rows(`SELECT ${MEMBERSHIP_COLUMNS} FROM memberships WHERE site = $1 AND customer = $2 ORDER BY subscribed_at DESC, list_id LIMIT $3`, [
          site,
          customer,
          limit,
        ])
      ).map(toMembership),
    async customerByPhone(site, key) {
      const row = await one(
        `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = $1 AND container = 'default' AND phone_key = $2 AND status = 'active' ORDER BY created_at, id LIMIT 1`,
        [site, key],
      );
      return row && toCustomer(row);
    },
    list: async (site, id) => {
      const row = await one(`SELECT ${LIST_COLUMNS} FROM lists WHERE site = $1 AND id = $2`, [site, id]);
      return row && toList(row);
    },
    pageLists: (site, page) =>
      pageRows(
        pool,
        [site],
        `SELECT l.tx::text AS tx, l.seq, l.site, l.id, l.name, l.created_at, l.contact_count FROM lists l WHERE l.site = $1`,
        'l',
        page,
        toList,
      ),
    pageContacts: (site, listId, page) =>
      pageRows(
        pool,
        [site, listId],
        `SELECT m.tx::text AS tx, m.seq, m.site, m.customer, m.list_id, m.first_name, m.source, m.subscribed_at, m.custom_fields, c.email
         FROM memberships m JOIN customers c ON c.site = m.site AND c.id = m.customer WHERE m.site = $1 AND m.list_id = $2`,
        'm',
        page,
        (row): ContactRow => ({ ...toMembership(row), email: row.email as string }),
      ),
    async pageCustomers(site, query) {
      const column = query.sort == 'created' ? 'created_at' : 'updated_at';
      const params: unknown[] = [site, query.container, query.limit];
      const where: string[] = [];
      if (query.email !== undefined) where.push(`email = $${params.push(query.email)}`);
      if (query.phoneKey !== undefined) where.push(`phone_key = $${params.push(query.phoneKey)}`);
      // The comparison and the order use the same (the column's) collation, as the index does.
      if (query.after) where.push(`(${column}, id) > ($${params.push(query.after[0])}::bigint, $${params.push(query.after[1])})`);
      const sql = `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = $1 AND container = $2 AND status = 'active'
        ${where.map((condition) => `AND ${condition}`).join(' ')} ORDER BY ${column}, id LIMIT $3`;
      return (await rows(sql, params)).map(toCustomer);
    },
    listsOfCustomer: async (site, customer, afterListId, limit) =>
      (
        await rows(
          `SELECT l.id, l.name FROM memberships m JOIN lists l ON l.site = m.site AND l.id = m.list_id
           WHERE m.site = $1 AND m.customer = $2 AND m.list_id COLLATE "C" > $3 COLLATE "C" ORDER BY m.list_id COLLATE "C" LIMIT $4`,
          [site, customer, afterListId ?? '', limit],
        )
      ).map((row) => ({ id: row.id as string, name: row.name as string })),
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

/**
 * A page of a listing in (tx, seq) order: a row's place never changes, so a row that existed
 * when paging began is shown exactly once, whatever other nodes insert meanwhile (a row
 * inserted during paging shows at most once). Unlike the export (postgres-export.ts) it does
 * not wait for older transactions to end: a listing shows what is committed now, even while a
 * long transaction runs elsewhere on the server. `selectSql` selects rows with `$1`… as `params`.
 */
async function pageRows<T>(
  pool: Pool,
  params: unknown[],
  selectSql: string,
  alias: string,
  page: PageRequest,
  map: (row: Row) => T,
): Promise<RowPage<T>> {
  const [tx, seq] = page.cursor !== undefined && isPostgresCursor(page.cursor) ? page.cursor.split('.') : ['0', '0'];
  const n = params.length;
  const { rows } = await pool.query(
    `${selectSql} AND (${alias}.tx, ${alias}.seq) > ($${n + 1}::xid8, $${n + 2}::bigint)
     ORDER BY ${alias}.tx, ${alias}.seq LIMIT $${n + 3} OFFSET $${n + 4}`,
    [...params, tx, seq, page.limit + 1, page.cursor !== undefined ? 0 : page.offset ?? 0],
  );
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const last = shown[shown.length - 1];
  return { rows: shown.map(map), next: more ? `${last.tx}.${last.seq}` : null };
}
