/**
 * The lifecycle and the webhook outbox on PostgreSQL (engine.ts AutomationTx). Several nodes
 * share the database: every claim is `FOR UPDATE SKIP LOCKED` over a partial index, so two
 * nodes never take the same session, conversion or delivery, and a node that dies mid-way
 * leaves its rows to the next one (its transaction rolls back; a delivery's lease expires).
 */
import type { ClientBase } from 'pg';
import type { IdleSession, LifecycleState } from '../../domain/lifecycle';
import type { WebhookDelivery } from '../../domain/webhook-events';
import { SUPPRESSED_IN_FLIGHT, type Abandonment, type AutomationTx } from '../engine';
import { toItem, toOrder } from './postgres-rows';

type Row = Record<string, unknown>;

const ORDER_COLUMNS = `site, id, visitor, session, email, status, cart_data, campaign_type, campaign_ids, created_at, updated_at,
  converted_at, converted_by, item_count, next_position, cart_data_seq, closed_seq`;
const DELIVERY_COLUMNS = `id, site, type, url, body, state, attempts, next_at, created_at, updated_at, deadline, last_status, last_error,
  delivered_at, session, order_id, email`;
const ABANDONMENT_COLUMNS = 'site, id, lifecycle, lifecycle_at, lifecycle_order, email, first_seen';

const toAbandonment = (row: Row): Abandonment => ({
  site: row.site as string,
  session: row.id as string,
  state: row.lifecycle as LifecycleState,
  at: row.lifecycle_at as number,
  order: row.lifecycle_order as string | null,
  email: row.email as string | null,
  first_seen: row.first_seen as number,
});


/**
 * The dashboard's listing of deliveries. Only the filters asked for are in the text, so each shape
 * pages along its own index (webhook_deliveries_listing, _site, _site_state) whatever plan a
 * prepared statement keeps. Exported for the query-plan test.
 */
export function deliveryListing(
  site: string | undefined,
  limit: number,
  before: [createdAt: number, id: string] = [Number.MAX_SAFE_INTEGER, ''],
  state?: string,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [before[0], before[1], limit];
  const where = ['(created_at, id) < ($1::bigint, $2::text)'];
  if (site !== undefined) where.push(`site = $${params.push(site)}`);
  if (state !== undefined) where.push(`state = $${params.push(state)}`);
  return { sql: `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $3`, params };
}

export function createPostgresAutomationTx(client: ClientBase): AutomationTx {
  const rows = async (sql: string, params: unknown[]): Promise<Row[]> => (await client.query(sql, params)).rows;

  return {
    claimIdleSessions: async (site, cutoff, limit) =>
      (await rows(
        `SELECT site, id, visitor, email, first_seen, last_seen, page_views, product_views, events, last_url, written_at, lifecycle
         FROM sessions WHERE site = $1 AND written_at < $2 AND lifecycle_events IS DISTINCT FROM events
         ORDER BY written_at, id LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [site, cutoff, limit],
      )) as unknown as IdleSession[],
    async latestOrders(site, sessions) {
      if (!sessions.length) return [];
      return (
        await rows(
          `SELECT o.* FROM unnest($2::text[]) AS s(id) CROSS JOIN LATERAL (
             SELECT ${ORDER_COLUMNS} FROM orders WHERE site = $1 AND session = s.id ORDER BY updated_at DESC LIMIT 1) o`,
          [site, sessions],
        )
      ).map(toOrder);
    },
    async orderItems(site, orders, limit) {
      if (!orders.length) return [];
      return (
        await rows(
          `SELECT i.* FROM unnest($2::text[]) AS o(id) CROSS JOIN LATERAL (
             SELECT * FROM order_items WHERE site = $1 AND order_id = o.id AND item IS NOT NULL ORDER BY position LIMIT $3) i`,
          [site, orders, limit],
        )
      ).map(toItem);
    },
    async decideSessions(site, decisions, at) {
      if (!decisions.length) return;
      await client.query(
        `UPDATE sessions s SET lifecycle = d.state, lifecycle_events = d.events, lifecycle_at = $2, lifecycle_order = d.order_id
         FROM json_to_recordset($3::json) AS d(id text, state text, events integer, order_id text) WHERE s.site = $1 AND s.id = d.id`,
        [site, at, JSON.stringify(decisions.map(({ id, state, events, order }) => ({ id, state, events, order_id: order })))],
      );
    },
    claimConversions: async (limit) =>
      (
        await rows(
          `SELECT ${ORDER_COLUMNS} FROM orders WHERE status = 'converted' AND conversion_noted_at IS NULL
           ORDER BY written_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [limit],
        )
      ).map(toOrder),
    async noteConversions(notes, at) {
      if (!notes.length) return;
      await client.query(
        `UPDATE orders o SET conversion_noted_at = $1, recovered_session = k.recovered_session, click_back = k.click_back
         FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[]) AS k(site, id, recovered_session, click_back)
         WHERE o.site = k.site AND o.id = k.id`,
        [at, notes.map((note) => note.site), notes.map((note) => note.id), notes.map((note) => note.recovered_session), notes.map((note) => note.click_back)],
      );
    },
    async abandonmentOf(site, order, email, from, to) {
      let [row] = await rows(
        `SELECT ${ABANDONMENT_COLUMNS} FROM sessions WHERE site = $1 AND lifecycle_order = $2
           AND lifecycle IN ('abandoned_cart', 'abandoned_browse', 'recovered') AND lifecycle_at BETWEEN $3 AND $4
         ORDER BY lifecycle_at DESC LIMIT 1`,
        [site, order, from, to],
      );
      if (!row && email)
        [row] = await rows(
          `SELECT ${ABANDONMENT_COLUMNS} FROM sessions WHERE site = $1 AND email = $2
             AND lifecycle IN ('abandoned_cart', 'abandoned_browse') AND lifecycle_at BETWEEN $3 AND $4
           ORDER BY lifecycle_at DESC LIMIT 1`,
          [site, email, from, to],
        );
      return row && toAbandonment(row);
    },
    async markRecovered(site, session) {
      await client.query(
        `UPDATE sessions SET lifecycle = 'recovered' WHERE site = $1 AND id = $2 AND lifecycle IN ('abandoned_cart', 'abandoned_browse')`,
        [site, session],
      );
    },
    clickedBetween: async (site, email, from, to) =>
      (await rows(`SELECT 1 FROM events WHERE site = $1 AND email = $2 AND type = 'click_back' AND received_at BETWEEN $3 AND $4 LIMIT 1`, [
        site, email, from, to,
      ])).length > 0,
    async suppressAbandonment(site, session, reason, at) {
      await client.query(
        `UPDATE webhook_deliveries SET state = 'suppressed', last_error = $1, updated_at = $2
         WHERE site = $3 AND session = $4 AND state = 'pending' AND type IN ('cart_abandoned', 'browse_abandoned')`,
        [reason, at, site, session],
      );
      return (await rows(
        `SELECT id, state FROM webhook_deliveries WHERE site = $1 AND session = $2 AND type IN ('cart_abandoned', 'browse_abandoned')`,
        [site, session],
      )) as { id: string; state: WebhookDelivery['state'] }[];
    },
    async enqueue(deliveries) {
      if (!deliveries.length) return;
      await client.query(
        `INSERT INTO webhook_deliveries (${DELIVERY_COLUMNS}) SELECT ${DELIVERY_COLUMNS} FROM json_populate_recordset(NULL::webhook_deliveries, $1::json)`,
        [JSON.stringify(deliveries)],
      );
    },
    claimDue: async (now, leaseUntil, limit) =>
      (await rows(
        `UPDATE webhook_deliveries w SET next_at = $2, attempts = w.attempts + 1, updated_at = $1
         FROM (SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_at <= $1 ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
         WHERE w.id = due.id RETURNING ${DELIVERY_COLUMNS.split(', ').map((column) => `w.${column.trim()}`).join(', ')}`,
        [now, leaseUntil, limit],
      )) as unknown as WebhookDelivery[],
    async finishDelivery(id, attempts, change, at) {
      await client.query(
        `UPDATE webhook_deliveries SET state = $3, next_at = $4, last_status = $5, delivered_at = $7, updated_at = $8,
           last_error = CASE WHEN state = 'suppressed' THEN ${SUPPRESSED_IN_FLIGHT} ELSE $6 END
         WHERE id = $1 AND attempts = $2 AND (state = 'pending' OR (state = 'suppressed' AND $3 = 'delivered'))`,
        [id, attempts, change.state, change.next_at, change.last_status, change.last_error, change.delivered_at, at],
      );
    },
    async deliveries(site, limit, before, state) {
      const { sql, params } = deliveryListing(site, limit, before, state);
      return (await rows(sql, params)) as unknown as WebhookDelivery[];
    },
    delivery: async (id) => (await rows(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1`, [id]))[0] as unknown as WebhookDelivery | undefined,
    async eraseDeliveries(site, { email, sessions, orders }) {
      // Orders before sessions, each in id order: the order a conversion takes them in (it claims its
      // order, then marks the session recovered), so the two never wait for each other in a circle.
      if (orders.length) await client.query('SELECT 1 FROM orders WHERE site = $1 AND id = ANY($2::text[]) ORDER BY id FOR UPDATE', [site, orders]);
      if (sessions.length) await client.query('SELECT 1 FROM sessions WHERE site = $1 AND id = ANY($2::text[]) ORDER BY id FOR UPDATE', [site, sessions]);
      // One statement per index (email, session, order), each reading only this person's rows.
      let deleted = 0;
      if (email) deleted += (await client.query('DELETE FROM webhook_deliveries WHERE site = $1 AND email = $2', [site, email])).rowCount ?? 0;
      if (sessions.length)
        deleted += (await client.query('DELETE FROM webhook_deliveries WHERE site = $1 AND session = ANY($2::text[])', [site, sessions])).rowCount ?? 0;
      if (orders.length)
        deleted += (await client.query('DELETE FROM webhook_deliveries WHERE site = $1 AND order_id = ANY($2::text[])', [site, orders])).rowCount ?? 0;
      return deleted;
    },
    retryDelivery: async (id, now, deadline) =>
      ((
        await client.query(
          `UPDATE webhook_deliveries SET state = 'pending', next_at = $2, deadline = $3, updated_at = $2, last_error = NULL
           WHERE id = $1 AND state IN ('dead', 'suppressed')`,
          [id, now, deadline],
        )
      ).rowCount ?? 0) > 0,
  };
}
