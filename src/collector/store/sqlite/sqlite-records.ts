/**
 * Row access of the SQLite engine: the RecordTx of a write transaction and the RecordReader,
 * as prepared statements. The only place that converts between rows and domain records.
 */
import type { Database, Statement } from 'better-sqlite3';
import { emailOfEvent } from '../../domain/assemble-events';
import { phoneKey } from '../../domain/phone';
import type { ListRecord, Membership, VisitorRecord } from '../../domain/records';
import type { WritePlan } from '../../domain/write-plan';
import { deliveryFactsOf, toCustomer, toItem, toOrder } from './sqlite-rows';
import type { ContactRow, RecordReader, RecordTx, RowPage } from '../engine';
import { createDashboardReader, SQLITE_DIALECT } from '../dashboard-sql';
import { prepareBatchStepByStep } from '../prepare-batch';
import { createSqliteAutomationTx } from './sqlite-automation';
import type { SessionRow } from '../store';
import { createSqliteHubriseTx } from './sqlite-hubrise';
import { effectiveState } from '../../domain/lifecycle';

type Row = Record<string, unknown>;

const ORDER_COLUMNS = `site, id, visitor, session, email, status, cart_data, campaign_type, campaign_ids, created_at, updated_at,
  converted_at, converted_by, item_count, next_position, cart_data_seq, closed_seq`;
const CUSTOMER_COLUMNS = `site, id, container, email, external_id, private_ref, phone_key, profile, consent, stats, status,
  anonymised, journeys_cancelled_at, created_at, updated_at`;
const SESSION_COLUMNS = 'site, id, visitor, email, first_seen, last_seen, page_views, product_views, events, last_url';
const SESSION_READ_COLUMNS = `${SESSION_COLUMNS}, payment_date, fulfillment_date, delivery_date, lifecycle, lifecycle_events, lifecycle_at`;

/** A session row with its effective lifecycle state (a decision older than the last event no longer holds). */
const sessionOf = (row: Row | undefined): SessionRow | undefined => {
  if (!row) return undefined;
  const { lifecycle_events: _events, ...rest } = row;
  return { ...(rest as unknown as SessionRow), lifecycle: effectiveState(row as Parameters<typeof effectiveState>[0]) };
};
const MEMBERSHIP_COLUMNS = 'site, customer, list_id, first_name, source, subscribed_at, custom_fields';

const toMembership = (row: Row): Membership => ({ ...(row as unknown as Membership), custom_fields: JSON.parse(row.custom_fields as string) });

/** A page of `limit` rows from `limit + 1` read: the extra one only says there is a next page. */
function pageOf<T>(rows: Row[], limit: number, map: (row: Row) => T): RowPage<T> {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { rows: page.map(map), next: more ? String(page[page.length - 1].cursor) : null };
}



const toVisitor = (row: Row): VisitorRecord => ({
  site: row.site as string,
  id: row.id as string,
  email: row.email as string | null,
  pending: row.pending == null ? null : JSON.parse(row.pending as string),
});

const present = <T>(list: (T | undefined)[]): T[] => list.filter((entry): entry is T => entry !== undefined);

/** The RecordTx of the write connection; every call runs synchronously inside the engine's transaction. */
export function createSqliteRecordTx(db: Database): RecordTx {
  const q = {
    insertEvent: db.prepare(
      `INSERT OR IGNORE INTO events (site, id, seq, type, ts, visitor, session, order_id, url, data, received_at, email)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    visitor: db.prepare('SELECT site, id, email, pending FROM visitors WHERE site = ? AND id = ?'),
    order: db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders WHERE site = ? AND id = ?`),
    item: db.prepare('SELECT site, order_id, product_id, seq, position, item FROM order_items WHERE site = ? AND order_id = ? AND product_id = ?'),
    customerByEmail: db.prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = ? AND container = 'default' AND email = ?`),
    customerById: db.prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = ? AND id = ?`),
    customerByExternalId: db.prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = ? AND external_id = ?`),
    customersByPhone: db.prepare(
      `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = ? AND phone_key = ? AND container = 'default' ORDER BY created_at, id LIMIT ?`,
    ),
    customerMemberships: db.prepare(`SELECT ${MEMBERSHIP_COLUMNS} FROM memberships WHERE site = ? AND customer = ? LIMIT ?`),
    convertedUnlinked: db.prepare(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE site = ? AND visitor = ? AND email IS NULL AND status = 'converted' ORDER BY updated_at DESC LIMIT ?`,
    ),
    openOrders: db.prepare(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE site = ? AND email = ? AND status = 'open' ORDER BY updated_at DESC, id DESC LIMIT 1000`,
    ),
    metadataKeys: db.prepare('SELECT key FROM metadata WHERE site = ? AND owner = ?').pluck(),
    list: db.prepare('SELECT site, id, name, created_at, contact_count FROM lists WHERE site = ? AND id = ?'),
    listCount: db.prepare('SELECT count(*) FROM lists WHERE site = ?').pluck(),
    membership: db.prepare(`SELECT ${MEMBERSHIP_COLUMNS} FROM memberships WHERE site = ? AND customer = ? AND list_id = ?`),
    tags: db.prepare('SELECT tag FROM customer_tags WHERE site = ? AND customer = ? AND kind = ? ORDER BY position').pluck(),
    sessionExists: db.prepare('SELECT 1 FROM sessions WHERE site = ? AND id = ?').pluck(),

    upsertCustomer: db.prepare(
      `INSERT INTO customers (${CUSTOMER_COLUMNS}, written_at) VALUES (@site, @id, @container, @email, @external_id, @private_ref,
         @phone_key, @profile, @consent, @stats, @status, @anonymised, @journeys_cancelled_at, @created_at, @updated_at, @written_at)
       ON CONFLICT (site, id) DO UPDATE SET container = excluded.container, email = excluded.email,
         external_id = excluded.external_id, private_ref = excluded.private_ref, phone_key = excluded.phone_key,
         profile = excluded.profile, consent = excluded.consent, stats = excluded.stats, status = excluded.status,
         anonymised = excluded.anonymised, journeys_cancelled_at = excluded.journeys_cancelled_at,
         updated_at = excluded.updated_at, written_at = excluded.written_at`,
    ),
    upsertVisitor: db.prepare(
      `INSERT INTO visitors (site, id, email, pending) VALUES (?, ?, ?, ?)
       ON CONFLICT (site, id) DO UPDATE SET email = excluded.email, pending = excluded.pending`,
    ),
    upsertSession: db.prepare(
      `INSERT INTO sessions (${SESSION_COLUMNS}, written_at) VALUES (@site, @id, @visitor, @email, @first_seen, @last_seen,
         @page_views, @product_views, @events, @last_url, @written_at)
       ON CONFLICT (site, id) DO UPDATE SET
         email = CASE WHEN @email_replaces THEN excluded.email ELSE coalesce(email, excluded.email) END,
         first_seen = min(first_seen, excluded.first_seen),
         last_url = CASE WHEN excluded.last_seen >= last_seen THEN excluded.last_url ELSE last_url END,
         last_seen = max(last_seen, excluded.last_seen),
         page_views = page_views + excluded.page_views,
         product_views = product_views + excluded.product_views,
         events = events + excluded.events,
         written_at = excluded.written_at`,
    ),
    upsertOrder: db.prepare(
      `INSERT INTO orders (${ORDER_COLUMNS}, written_at) VALUES (@site, @id, @visitor, @session, @email, @status, @cart_data,
         @campaign_type, @campaign_ids, @created_at, @updated_at, @converted_at, @converted_by, @item_count, @next_position,
         @cart_data_seq, @closed_seq, @written_at)
       ON CONFLICT (site, id) DO UPDATE SET visitor = excluded.visitor, session = excluded.session,
         email = coalesce(excluded.email, email),
         status = excluded.status, cart_data = excluded.cart_data, campaign_type = excluded.campaign_type,
         campaign_ids = excluded.campaign_ids, updated_at = excluded.updated_at, converted_at = excluded.converted_at,
         converted_by = excluded.converted_by, item_count = excluded.item_count, next_position = excluded.next_position,
         cart_data_seq = excluded.cart_data_seq, closed_seq = excluded.closed_seq, written_at = excluded.written_at`,
    ),
    clearItems: db.prepare('DELETE FROM order_items WHERE site = ? AND order_id = ?'),
    upsertItem: db.prepare(
      `INSERT INTO order_items (site, order_id, product_id, seq, position, item) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (site, order_id, product_id) DO UPDATE SET seq = excluded.seq, position = excluded.position, item = excluded.item`,
    ),
    clearTags: db.prepare('DELETE FROM customer_tags WHERE site = ? AND customer = ? AND kind = ?'),
    insertTag: db.prepare('INSERT INTO customer_tags (site, customer, kind, position, tag) VALUES (?, ?, ?, ?, ?)'),
    ensureList: db.prepare('INSERT OR IGNORE INTO lists (site, id, name, created_at) VALUES (@site, @id, @name, @created_at)'),
    insertMembership: db.prepare(
      `INSERT OR IGNORE INTO memberships (${MEMBERSHIP_COLUMNS}) VALUES (@site, @customer, @list_id, @first_name, @source, @subscribed_at, @custom_fields)`,
    ),
    updateMembership: db.prepare(
      `UPDATE memberships SET first_name = @first_name, source = @source, subscribed_at = @subscribed_at,
         custom_fields = CASE WHEN @keep_fields THEN custom_fields ELSE @custom_fields END
       WHERE site = @site AND customer = @customer AND list_id = @list_id`,
    ),
    deleteMembership: db.prepare('DELETE FROM memberships WHERE site = ? AND customer = ? AND list_id = ?'),
    countContacts: db.prepare('UPDATE lists SET contact_count = contact_count + ? WHERE site = ? AND id = ?'),
    annotateSession: db.prepare(
      `UPDATE sessions SET
         payment_date = CASE WHEN @set_payment THEN @payment_date ELSE payment_date END,
         fulfillment_date = CASE WHEN @set_fulfillment THEN @fulfillment_date ELSE fulfillment_date END,
         delivery_date = CASE WHEN @set_delivery THEN @delivery_date ELSE delivery_date END,
         written_at = @written_at
       WHERE site = @site AND id = @id`,
    ),
    clearMetadata: db.prepare('DELETE FROM metadata WHERE site = ? AND owner = ?'),
    removeMetadataKey: db.prepare('DELETE FROM metadata WHERE site = ? AND owner = ? AND key = ?'),
    moveMetadata: db.prepare(
      `INSERT INTO metadata (site, owner, key, value)
       SELECT site, @to, key, value FROM metadata WHERE site = @site AND owner = @from AND key IN (SELECT value FROM json_each(@keys))
       ON CONFLICT (site, owner, key) DO UPDATE SET value = excluded.value`,
    ),
    upsertMetadata: db.prepare(
      `INSERT INTO metadata (site, owner, key, value) VALUES (?, ?, ?, ?)
       ON CONFLICT (site, owner, key) DO UPDATE SET value = excluded.value`,
    ),
    linkOrders: db.prepare('UPDATE orders SET email = ?, written_at = ? WHERE site = ? AND visitor = ? AND email IS NULL'),
    eraseSessionEmail: db.prepare('UPDATE sessions SET email = NULL, written_at = ? WHERE site = ? AND id = ?'),
    eraseOrderEmail: db.prepare('UPDATE orders SET email = NULL, visitor = NULL, written_at = ? WHERE site = ? AND id = ?'),
    auditErasure: db.prepare('INSERT INTO erasures (site, customer, source, kind, events, at) VALUES (?, ?, ?, ?, ?, ?)'),
    visitorsWithEmail: db.prepare('SELECT site, id, email, pending FROM visitors WHERE site = ? AND email = ?'),
    sessionsWithEmail: db.prepare('SELECT id FROM sessions WHERE site = ? AND email = ?').pluck(),
    ordersWithEmail: db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders WHERE site = ? AND email = ?`),
    membershipsOf: db.prepare(`SELECT ${MEMBERSHIP_COLUMNS} FROM memberships WHERE site = ? AND customer = ?`),
    metadataOf: db.prepare('SELECT owner, key, value FROM metadata WHERE site = ? AND owner = ?').raw(),
    itemsOf: db.prepare('SELECT site, order_id, product_id, seq, position, item FROM order_items WHERE site = ? AND order_id = ?'),
    eventsOfVisitor: db.prepare('SELECT cursor AS ref, type, url, data FROM events WHERE site = ? AND visitor = ? AND cursor > ? ORDER BY cursor LIMIT ?'),
    eventsOfEmail: db.prepare('SELECT cursor AS ref, type, url, data FROM events WHERE site = ? AND email = ? AND cursor > ? ORDER BY cursor LIMIT ?'),
    rewriteEvent: db.prepare('UPDATE events SET url = ?, data = ?, email = NULL WHERE site = ? AND cursor = ?'),
    deleteEvent: db.prepare('DELETE FROM events WHERE site = ? AND id = ?'),
  };
  const get = (statement: Statement, ...params: unknown[]): Row | undefined => statement.get(...params) as Row | undefined;

  const apply = (plan: WritePlan, now: number): void => {
    for (const customer of plan.customers.values())
      q.upsertCustomer.run({
        ...customer,
        profile: JSON.stringify(customer.profile),
        consent: JSON.stringify(customer.consent),
        stats: JSON.stringify(customer.stats),
        anonymised: +customer.anonymised,
        phone_key: phoneKey(customer.profile.phone),
        written_at: now,
      });
    for (const visitor of plan.visitors.values())
      q.upsertVisitor.run(visitor.site, visitor.id, visitor.email, visitor.pending && JSON.stringify(visitor.pending));
    for (const session of plan.sessions.values())
      q.upsertSession.run({ ...session, email_replaces: +session.email_replaces, written_at: now });
    for (const order of plan.orders.values())
      q.upsertOrder.run({ ...order, cart_data: JSON.stringify(order.cart_data), campaign_ids: JSON.stringify(order.campaign_ids), written_at: now });
    for (const { site, order } of plan.clearedItems.values()) q.clearItems.run(site, order);
    for (const line of plan.items.values())
      q.upsertItem.run(line.site, line.order, line.product_id, line.seq, line.position, line.item && JSON.stringify(line.item));
    for (const { site, customer, kind, tags } of plan.tags.values()) {
      q.clearTags.run(site, customer, kind);
      tags.forEach((tag, position) => q.insertTag.run(site, customer, kind, position, tag));
    }
    for (const list of plan.lists.values()) q.ensureList.run(list);
    for (const m of plan.memberships.values()) {
      const row = { ...m, custom_fields: JSON.stringify(m.custom_fields ?? {}), keep_fields: +(m.custom_fields === null) };
      // A new contact counts into its list; a known one is updated in place (its page position stays).
      if (q.insertMembership.run(row).changes) q.countContacts.run(1, m.site, m.list_id);
      else q.updateMembership.run(row);
    }
    for (const m of plan.removedMemberships.values())
      if (q.deleteMembership.run(m.site, m.customer, m.list_id).changes) q.countContacts.run(-1, m.site, m.list_id);
    for (const note of plan.sessionAnnotations.values())
      q.annotateSession.run({
        site: note.site,
        id: note.id,
        set_payment: +(note.payment_date !== undefined),
        payment_date: note.payment_date ?? null,
        set_fulfillment: +(note.fulfillment_date !== undefined),
        fulfillment_date: note.fulfillment_date ?? null,
        set_delivery: +(note.delivery_date !== undefined),
        delivery_date: note.delivery_date ?? null,
        written_at: now,
      });
    for (const { site, owner } of plan.metadata.cleared.values()) q.clearMetadata.run(site, owner);
    for (const { site, from, to, keys } of plan.metadata.moved) {
      q.moveMetadata.run({ site, from, to, keys: JSON.stringify(keys) });
      q.clearMetadata.run(site, from);
    }
    for (const { site, owner, key } of plan.metadata.removed) q.removeMetadataKey.run(site, owner, key);
    for (const { site, owner, entries } of plan.metadata.upserts.values())
      for (const [key, value] of entries) q.upsertMetadata.run(site, owner, key, value);
    for (const { site, visitor, email } of plan.linkedOrders) q.linkOrders.run(email, now, site, visitor);
    if (plan.erasure) {
      const { site, customer, source, kind, events, at, sessions, orders } = plan.erasure;
      for (const id of sessions) q.eraseSessionEmail.run(now, site, id);
      for (const id of orders) q.eraseOrderEmail.run(now, site, id);
      q.auditErasure.run(site, customer, source, kind, events, at);
    }
    for (const { site, id } of plan.refused) q.deleteEvent.run(site, id);
  };

  const tx: RecordTx = {
    automation: createSqliteAutomationTx(db),
    prepareBatch: (request) => prepareBatchStepByStep(tx, request),
    tryLock: async () => true,
    lock: async () => {},
    async insertEvents(events, receivedAt) {
      return events.filter(({ site, event }) =>
        q.insertEvent.run(
          site, event.id, event.seq, event.type, event.ts, event.visitor, event.session, event.order, event.url, JSON.stringify(event.data),
          receivedAt, emailOfEvent(event),
        )
          .changes > 0,
      );
    },
    visitors: async (keys) => present(keys.map(([site, id]) => get(q.visitor, site, id))).map(toVisitor),
    orders: async (keys) => present(keys.map(([site, id]) => get(q.order, site, id))).map(toOrder),
    items: async (keys) => present(keys.map(([site, order, product]) => get(q.item, site, order, product))).map(toItem),
    customersByEmail: async (keys) => present(keys.map(([site, email]) => get(q.customerByEmail, site, email))).map(toCustomer),
    customerById: async (site, id) => {
      const row = get(q.customerById, site, id);
      return row && toCustomer(row);
    },
    customerByExternalId: async (site, externalId) => {
      const row = get(q.customerByExternalId, site, externalId);
      return row && toCustomer(row);
    },
    customersByPhone: async (site, key, limit) => (q.customersByPhone.all(site, key, limit) as Row[]).map(toCustomer),
    customerMemberships: async (site, customer, limit) => (q.customerMemberships.all(site, customer, limit) as Row[]).map(toMembership),
    convertedUnlinkedOrders: async (keys, limit) => keys.flatMap(([site, visitor]) => (q.convertedUnlinked.all(site, visitor, limit) as Row[]).map(toOrder)),
    openOrders: async (site, email) => (q.openOrders.all(site, email) as Row[]).map(toOrder),
    metadataKeys: async (owners) => owners.flatMap(([site, owner]) => (q.metadataKeys.all(site, owner) as string[]).map((key): [string, string, string] => [site, owner, key])),
    lists: async (keys) => present(keys.map(([site, id]) => get(q.list, site, id))) as unknown as ListRecord[],
    listCount: async (site) => q.listCount.get(site) as number,
    memberships: async (keys) => present(keys.map(([site, customer, list]) => get(q.membership, site, customer, list))).map(toMembership),
    tags: async (site, customer, kind) => q.tags.all(site, customer, kind) as string[],
    sessionExists: async (site, id) => q.sessionExists.get(site, id) !== undefined,
    async personRecords(site, email, customerId) {
      const visitors = email ? (q.visitorsWithEmail.all(site, email) as Row[]).map(toVisitor) : [];
      const sessions = email ? (q.sessionsWithEmail.all(site, email) as string[]) : [];
      const orders = email ? (q.ordersWithEmail.all(site, email) as Row[]).map(toOrder) : [];
      const owners = [...sessions.map((id) => `session:${id}`), ...orders.map((order) => `order:${order.id}`)];
      return {
        visitors,
        sessions,
        orders,
        memberships: (q.membershipsOf.all(site, customerId) as Row[]).map(toMembership),
        metadata: owners.flatMap((owner) => q.metadataOf.all(site, owner) as [string, string, string][]),
        items: orders.flatMap((order) => (q.itemsOf.all(site, order.id) as Row[]).map(toItem)),
      };
    },
    async eventsOfPerson(site, by, after, limit) {
      const from = after === null ? 0 : Number(after);
      const rows = ('visitor' in by ? q.eventsOfVisitor.all(site, by.visitor, from, limit) : q.eventsOfEmail.all(site, by.email, from, limit)) as Row[];
      return rows.map((row) => ({ ref: String(row.ref), type: row.type as string, url: row.url as string, data: JSON.parse(row.data as string) }));
    },
    async rewriteEvents(site, rows) {
      for (const row of rows) q.rewriteEvent.run(row.url, JSON.stringify(row.data), site, Number(row.ref));
    },
    apply: async (plan, now) => apply(plan, now),
    hubrise: createSqliteHubriseTx(db),
  };
  return tx;
}

/** The RecordReader over a connection that sees only committed data. */
export function createSqliteReader(db: Database): RecordReader {
  const q = {
    session: db.prepare(`SELECT ${SESSION_READ_COLUMNS} FROM sessions WHERE site = ? AND id = ?`),
    deliveryFacts: db.prepare(
      `SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = @id) AS present,
         (SELECT first_seen FROM sessions WHERE site = @site AND id = @session) AS first_seen,
         (SELECT status FROM orders WHERE site = @site AND id = @order_id) AS order_status,
         c.status AS customer_status, c.consent, c.journeys_cancelled_at
       FROM (SELECT 1) AS one LEFT JOIN customers c ON c.site = @site AND c.container = 'default' AND c.email = @email`,
    ),
    customerByPhone: db.prepare(
      `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = ? AND container = 'default' AND phone_key = ? AND status = 'active' ORDER BY created_at, id LIMIT 1`,
    ),
    list: db.prepare('SELECT site, id, name, created_at, contact_count FROM lists WHERE site = ? AND id = ?'),
    listsAfter: db.prepare('SELECT rowid AS cursor, site, id, name, created_at, contact_count FROM lists WHERE site = ? AND rowid > ? ORDER BY rowid LIMIT ?'),
    listsOffset: db.prepare('SELECT rowid AS cursor, site, id, name, created_at, contact_count FROM lists WHERE site = ? ORDER BY rowid LIMIT ? OFFSET ?'),
    contactsAfter: db.prepare(
      `SELECT m.rowid AS cursor, m.site, m.customer, m.list_id, m.first_name, m.source, m.subscribed_at, m.custom_fields, c.email
       FROM memberships m JOIN customers c ON c.site = m.site AND c.id = m.customer
       WHERE m.site = ? AND m.list_id = ? AND m.rowid > ? ORDER BY m.rowid LIMIT ?`,
    ),
    contactsOffset: db.prepare(
      `SELECT m.rowid AS cursor, m.site, m.customer, m.list_id, m.first_name, m.source, m.subscribed_at, m.custom_fields, c.email
       FROM memberships m JOIN customers c ON c.site = m.site AND c.id = m.customer
       WHERE m.site = ? AND m.list_id = ? ORDER BY m.rowid LIMIT ? OFFSET ?`,
    ),
    order: db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders WHERE site = ? AND id = ?`),
    items: db.prepare(
      'SELECT site, order_id, product_id, seq, position, item FROM order_items WHERE site = ? AND order_id = ? AND item IS NOT NULL ORDER BY position LIMIT ?',
    ),
    customerByEmail: db.prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = ? AND container = 'default' AND email = ?`),
    customerById: db.prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = ? AND id = ?`),
    tags: db.prepare('SELECT tag FROM customer_tags WHERE site = ? AND customer = ? AND kind = ? ORDER BY position').pluck(),
    memberships: db.prepare(
      `SELECT ${MEMBERSHIP_COLUMNS} FROM memberships WHERE site = ? AND customer = ? ORDER BY subscribed_at DESC, list_id LIMIT ?`,
    ),
    metadata: db.prepare('SELECT key, value FROM metadata WHERE site = ? AND owner = ? ORDER BY key').raw(),
    listsOfCustomer: db.prepare(
      `SELECT l.id, l.name FROM memberships m JOIN lists l ON l.site = m.site AND l.id = m.list_id
       WHERE m.site = ? AND m.customer = ? AND m.list_id > ? ORDER BY m.list_id LIMIT ?`,
    ),
  };
  /** Prepared customer listings, one per sort, filter and first-or-next page. */
  const customerPages = new Map<string, Statement>();
  const recent = {
    sessions: [db.prepare('SELECT site, id FROM sessions ORDER BY written_at DESC LIMIT ?').raw(), db.prepare('SELECT site, id FROM sessions WHERE site = ? ORDER BY written_at DESC LIMIT ?').raw()],
    orders: [db.prepare('SELECT site, id FROM orders ORDER BY written_at DESC LIMIT ?').raw(), db.prepare('SELECT site, id FROM orders WHERE site = ? ORDER BY written_at DESC LIMIT ?').raw()],
    customers: [db.prepare('SELECT site, id FROM customers ORDER BY written_at DESC LIMIT ?').raw(), db.prepare('SELECT site, id FROM customers WHERE site = ? ORDER BY written_at DESC LIMIT ?').raw()],
  };
  // The dashboard's statements come in a few shapes (dashboard-sql.ts): each is prepared once.
  const prepared = new Map<string, Statement>();
  const dashboard = createDashboardReader(SQLITE_DIALECT, async ({ sql, params }) => {
    let query = prepared.get(sql);
    if (!query) prepared.set(sql, (query = db.prepare(sql)));
    return query.all(...(params as unknown[])) as Row[];
  });
  return {
    ...dashboard,
    session: async (site, id) => sessionOf(q.session.get(site, id) as Row | undefined),
    deliveryFacts: async ({ id, site, session, order_id, email }) => deliveryFactsOf(q.deliveryFacts.get({ id, site, session, order_id, email }) as Row),
    order: async (site, id) => {
      const row = q.order.get(site, id) as Row | undefined;
      return row && toOrder(row);
    },
    items: async (site, order, limit) => (q.items.all(site, order, limit) as Row[]).map(toItem),
    customerByEmail: async (site, email) => {
      const row = q.customerByEmail.get(site, email) as Row | undefined;
      return row && toCustomer(row);
    },
    customerById: async (site, id) => {
      const row = q.customerById.get(site, id) as Row | undefined;
      return row && toCustomer(row);
    },
    tags: async (site, customer, kind) => q.tags.all(site, customer, kind) as string[],
    memberships: async (site, customer, limit) => (q.memberships.all(site, customer, limit) as Row[]).map(toMembership),
    customerByPhone: async (site, key) => {
      const row = q.customerByPhone.get(site, key) as Row | undefined;
      return row && toCustomer(row);
    },
    list: async (site, id) => q.list.get(site, id) as ListRecord | undefined,
    pageLists: async (site, page) => {
      const rows = (page.cursor !== undefined
        ? q.listsAfter.all(site, Number(page.cursor), page.limit + 1)
        : q.listsOffset.all(site, page.limit + 1, page.offset ?? 0)) as Row[];
      return pageOf(rows, page.limit, ({ cursor: _cursor, ...list }) => list as unknown as ListRecord);
    },
    pageContacts: async (site, listId, page) => {
      const rows = (page.cursor !== undefined
        ? q.contactsAfter.all(site, listId, Number(page.cursor), page.limit + 1)
        : q.contactsOffset.all(site, listId, page.limit + 1, page.offset ?? 0)) as Row[];
      return pageOf(rows, page.limit, ({ cursor: _cursor, ...row }): ContactRow => ({ ...toMembership(row), email: row.email as string }));
    },
    pageCustomers: async (site, query) => {
      const column = query.sort == 'created' ? 'created_at' : 'updated_at';
      const filter = query.email !== undefined ? 'email' : query.phoneKey !== undefined ? 'phone_key' : '';
      const name = `${column}:${filter}:${query.after ? 'after' : 'first'}`;
      let statement = customerPages.get(name);
      if (!statement)
        customerPages.set(
          name,
          (statement = db.prepare(
            `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = @site AND container = @container AND status = 'active'
             ${filter ? `AND ${filter} = @filter` : ''} ${query.after ? `AND (${column}, id) > (@at, @id)` : ''}
             ORDER BY ${column}, id LIMIT @limit`,
          )),
        );
      const params = { site, container: query.container, limit: query.limit, filter: query.email ?? query.phoneKey, at: query.after?.[0], id: query.after?.[1] };
      for (const key of Object.keys(params) as (keyof typeof params)[]) if (params[key] === undefined) delete params[key];
      return (statement.all(params) as Row[]).map(toCustomer);
    },
    listsOfCustomer: async (site, customer, afterListId, limit) =>
      q.listsOfCustomer.all(site, customer, afterListId ?? '', limit) as { id: string; name: string }[],
    metadata: async (site, owner) => q.metadata.all(site, owner) as [string, string][],
    recent: async (kind, site, limit) =>
      (site === undefined ? recent[kind][0].all(limit) : recent[kind][1].all(site, limit)) as [string, string][],
  };
}
