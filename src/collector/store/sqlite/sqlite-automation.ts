/**
 * The lifecycle and the webhook outbox on SQLite (engine.ts AutomationTx). One process writes
 * the file and runs one transaction at a time, so a claim needs no row locks: nothing else can
 * take the same rows before this transaction commits.
 */
import type { Database } from 'better-sqlite3';
import type { IdleSession, LifecycleState } from '../../domain/lifecycle';
import type { WebhookDelivery } from '../../domain/webhook-events';
import { SUPPRESSED_IN_FLIGHT, type Abandonment, type AutomationTx } from '../engine';
import { toItem, toOrder } from './sqlite-rows';

type Row = Record<string, unknown>;

const ORDER_COLUMNS = `site, id, visitor, session, email, status, cart_data, campaign_type, campaign_ids, created_at, updated_at,
  converted_at, converted_by, item_count, next_position, cart_data_seq, closed_seq`;
const DELIVERY_COLUMNS = `id, site, type, url, body, state, attempts, next_at, created_at, updated_at, deadline, last_status, last_error,
  delivered_at, session, order_id, email`;

/**
 * The dashboard's listings of deliveries, one statement per shape so that each pages along its own
 * index (a state filter written as "? IS NULL OR state = ?" would walk every delivery of the site
 * to find a few dead ones). Exported for the query-plan test.
 */
export const DELIVERY_LISTINGS = {
  /** (before created_at, before id, limit) */
  all: `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?`,
  /** (before created_at, before id, state, limit) */
  allState: `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE (created_at, id) < (?, ?) AND state = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
  /** (site, before created_at, before id, limit) */
  site: `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE site = ? AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?`,
  /** (site, state, before created_at, before id, limit) */
  siteState: `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE site = ? AND state = ? AND (created_at, id) < (?, ?)
    ORDER BY created_at DESC, id DESC LIMIT ?`,
};

const toAbandonment = (row: Row): Abandonment => ({
  site: row.site as string,
  session: row.id as string,
  state: row.lifecycle as LifecycleState,
  at: row.lifecycle_at as number,
  order: row.lifecycle_order as string | null,
  email: row.email as string | null,
  first_seen: row.first_seen as number,
});

export function createSqliteAutomationTx(db: Database): AutomationTx {
  const q = {
    idle: db.prepare(
      `SELECT site, id, visitor, email, first_seen, last_seen, page_views, product_views, events, last_url, written_at, lifecycle
       FROM sessions WHERE site = ? AND written_at < ? AND lifecycle_events IS NOT events ORDER BY written_at LIMIT ?`,
    ),
    latestOrder: db.prepare(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE site = ? AND session = ? ORDER BY updated_at DESC LIMIT 1`,
    ),
    decide: db.prepare('UPDATE sessions SET lifecycle = ?, lifecycle_events = ?, lifecycle_at = ?, lifecycle_order = ? WHERE site = ? AND id = ?'),
    conversions: db.prepare(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE status = 'converted' AND conversion_noted_at IS NULL ORDER BY written_at LIMIT ?`,
    ),
    note: db.prepare('UPDATE orders SET conversion_noted_at = ?, recovered_session = ?, click_back = ? WHERE site = ? AND id = ?'),
    abandonmentOfOrder: db.prepare(
      `SELECT site, id, lifecycle, lifecycle_at, lifecycle_order, email, first_seen FROM sessions
       WHERE site = ? AND lifecycle_order = ? AND lifecycle IN ('abandoned_cart', 'abandoned_browse', 'recovered')
         AND lifecycle_at BETWEEN ? AND ? ORDER BY lifecycle_at DESC LIMIT 1`,
    ),
    abandonmentOfEmail: db.prepare(
      `SELECT site, id, lifecycle, lifecycle_at, lifecycle_order, email, first_seen FROM sessions
       WHERE site = ? AND email = ? AND lifecycle IN ('abandoned_cart', 'abandoned_browse')
         AND lifecycle_at BETWEEN ? AND ? ORDER BY lifecycle_at DESC LIMIT 1`,
    ),
    recovered: db.prepare(
      `UPDATE sessions SET lifecycle = 'recovered' WHERE site = ? AND id = ? AND lifecycle IN ('abandoned_cart', 'abandoned_browse')`,
    ),
    clicked: db.prepare(`SELECT 1 FROM events WHERE site = ? AND email = ? AND type = 'click_back' AND received_at BETWEEN ? AND ? LIMIT 1`),
    suppress: db.prepare(
      `UPDATE webhook_deliveries SET state = 'suppressed', last_error = ?, updated_at = ?
       WHERE site = ? AND session = ? AND state = 'pending' AND type IN ('cart_abandoned', 'browse_abandoned')`,
    ),
    ofSession: db.prepare(
      `SELECT id, state FROM webhook_deliveries WHERE site = ? AND session = ? AND type IN ('cart_abandoned', 'browse_abandoned')`,
    ),
    insert: db.prepare(
      `INSERT INTO webhook_deliveries (${DELIVERY_COLUMNS}) VALUES (@id, @site, @type, @url, @body, @state, @attempts, @next_at, @created_at,
       @updated_at, @deadline, @last_status, @last_error, @delivered_at, @session, @order_id, @email)`,
    ),
    due: db.prepare(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE state = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?`),
    lease: db.prepare('UPDATE webhook_deliveries SET next_at = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?'),
    finish: db.prepare(
      `UPDATE webhook_deliveries SET state = @state, next_at = @next_at, last_status = @last_status, delivered_at = @delivered_at, updated_at = @at,
         last_error = CASE WHEN state = 'suppressed' THEN ${SUPPRESSED_IN_FLIGHT} ELSE @last_error END
       WHERE id = @id AND attempts = @attempts AND (state = 'pending' OR (state = 'suppressed' AND @state = 'delivered'))`,
    ),
    items: db.prepare('SELECT * FROM order_items WHERE site = ? AND order_id = ? AND item IS NOT NULL ORDER BY position LIMIT ?'),
    eraseByEmail: db.prepare('DELETE FROM webhook_deliveries WHERE site = ? AND email = ?'),
    eraseBySessions: db.prepare('DELETE FROM webhook_deliveries WHERE site = ? AND session IN (SELECT value FROM json_each(?))'),
    eraseByOrders: db.prepare('DELETE FROM webhook_deliveries WHERE site = ? AND order_id IN (SELECT value FROM json_each(?))'),
    listAll: db.prepare(DELIVERY_LISTINGS.all),
    listAllState: db.prepare(DELIVERY_LISTINGS.allState),
    listSite: db.prepare(DELIVERY_LISTINGS.site),
    listSiteState: db.prepare(DELIVERY_LISTINGS.siteState),
    one: db.prepare(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?`),
    retry: db.prepare(
      `UPDATE webhook_deliveries SET state = 'pending', next_at = ?, deadline = ?, updated_at = ?, last_error = NULL
       WHERE id = ? AND state IN ('dead', 'suppressed')`,
    ),
  };

  return {
    claimIdleSessions: async (site, cutoff, limit) => q.idle.all(site, cutoff, limit) as IdleSession[],
    latestOrders: async (site, sessions) => sessions.flatMap((session) => {
      const row = q.latestOrder.get(site, session) as Row | undefined;
      return row ? [toOrder(row)] : [];
    }),
    // In-process reads: one statement per order costs no round trip here.
    orderItems: async (site, orders, limit) => orders.flatMap((order) => (q.items.all(site, order, limit) as Row[]).map(toItem)),
    async decideSessions(site, decisions, at) {
      for (const { id, state, events, order } of decisions) q.decide.run(state, events, at, order, site, id);
    },
    claimConversions: async (limit) => (q.conversions.all(limit) as Row[]).map(toOrder),
    async noteConversions(notes, at) {
      for (const note of notes) q.note.run(at, note.recovered_session, note.click_back ? 1 : 0, note.site, note.id);
    },
    async abandonmentOf(site, order, email, from, to) {
      const row = (q.abandonmentOfOrder.get(site, order, from, to) ?? (email ? q.abandonmentOfEmail.get(site, email, from, to) : undefined)) as Row | undefined;
      return row && toAbandonment(row);
    },
    async markRecovered(site, session) {
      q.recovered.run(site, session);
    },
    clickedBetween: async (site, email, from, to) => q.clicked.get(site, email, from, to) !== undefined,
    async suppressAbandonment(site, session, reason, at) {
      q.suppress.run(reason, at, site, session);
      return q.ofSession.all(site, session) as { id: string; state: WebhookDelivery['state'] }[];
    },
    async enqueue(deliveries) {
      for (const delivery of deliveries) q.insert.run(delivery);
    },
    async claimDue(now, leaseUntil, limit) {
      const due = q.due.all(now, limit) as WebhookDelivery[];
      for (const delivery of due) q.lease.run(leaseUntil, now, delivery.id);
      return due.map((delivery) => ({ ...delivery, attempts: delivery.attempts + 1, next_at: leaseUntil }));
    },
    async finishDelivery(id, attempts, change, at) {
      q.finish.run({ id, attempts, at, ...change });
    },
    async deliveries(site, limit, before = [Number.MAX_SAFE_INTEGER, ''], state) {
      const rows =
        site === undefined
          ? state === undefined
            ? q.listAll.all(before[0], before[1], limit)
            : q.listAllState.all(before[0], before[1], state, limit)
          : state === undefined
            ? q.listSite.all(site, before[0], before[1], limit)
            : q.listSiteState.all(site, state, before[0], before[1], limit);
      return rows as WebhookDelivery[];
    },
    delivery: async (id) => q.one.get(id) as WebhookDelivery | undefined,
    // One writer: nothing can enqueue about these sessions and orders while this runs.
    eraseDeliveries: async (site, { email, sessions, orders }) =>
      (email ? q.eraseByEmail.run(site, email).changes : 0) +
      (sessions.length ? q.eraseBySessions.run(site, JSON.stringify(sessions)).changes : 0) +
      (orders.length ? q.eraseByOrders.run(site, JSON.stringify(orders)).changes : 0),
    retryDelivery: async (id, now, deadline) => q.retry.run(now, deadline, now, id).changes > 0,
  };
}
