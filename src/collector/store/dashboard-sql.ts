/**
 * The dashboard's queries (dashboard-reads.ts), written once for both engines: a dialect gives
 * the few places where SQLite and PostgreSQL differ (placeholders, reading a JSON field, integer
 * division). Each query is a range over an index: orders_site_written, sessions_site_written,
 * orders_converted, orders_email_status, sessions_email and events_session.
 */
import { browseAbandonedSql, cartClickBackSql, cartStateSql, clickBackSql, lastActivitySql, recoveredSql, type CartState } from '../domain/cart-state';
import type { OrderHeader } from '../domain/records';
import { REVENUE_BUCKET_MS, type CartQuery, type CartRow, type FunnelCounts, type RevenueBucket, type TimeRange, type TimelineEvent } from './dashboard-reads';

export interface SqlDialect {
  /** The n-th parameter (from 1). */
  placeholder(n: number): string;
  /** The order `o`'s cart value in cents, 0 when it has none. */
  cartValue: string;
  /** floor(expr / width) as an integer. */
  bucketOf(expr: string, width: number): string;
}

export const SQLITE_DIALECT: SqlDialect = {
  placeholder: () => '?',
  cartValue: "coalesce(json_extract(o.cart_data, '$.cart_value'), 0)",
  bucketOf: (expr, width) => `CAST(${expr} / ${width} AS INTEGER)`,
};

export const POSTGRES_DIALECT: SqlDialect = {
  placeholder: (n) => `$${n}`,
  cartValue: "coalesce((o.cart_data::json->>'cart_value')::bigint, 0)",
  bucketOf: (expr, width) => `floor(${expr} / ${width})::bigint`,
};

export interface Statement {
  sql: string;
  params: unknown[];
}

type Row = Record<string, unknown>;

const ORDER_COLUMNS = [
  'site', 'id', 'visitor', 'session', 'email', 'status', 'cart_data', 'campaign_type', 'campaign_ids', 'created_at', 'updated_at',
  'converted_at', 'converted_by', 'item_count', 'next_position', 'cart_data_seq', 'closed_seq', 'written_at',
].map((column) => `o.${column}`).join(', ');

const CART_FROM = 'FROM orders o LEFT JOIN sessions s ON s.site = o.site AND s.id = o.session';

/** Collects parameters in order and names their placeholders. */
function statement(dialect: SqlDialect) {
  const params: unknown[] = [];
  return {
    params,
    p(value: unknown): string {
      params.push(value);
      return dialect.placeholder(params.length);
    },
  };
}

const cartSelect = `SELECT ${ORDER_COLUMNS}, ${lastActivitySql} AS last_activity, ${cartStateSql} AS state, ${cartClickBackSql} AS click_back ${CART_FROM}`;

export function cartsStatement(dialect: SqlDialect, site: string, query: CartQuery): Statement {
  const { params, p } = statement(dialect);
  let sql = `${cartSelect} WHERE o.site = ${p(site)} AND o.written_at >= ${p(query.from)} AND o.written_at < ${p(query.to)}`;
  if (query.state != 'all') sql += ` AND ${cartStateSql} = ${p(query.state)}`;
  if (query.after) {
    const [writtenAt, id] = query.after;
    sql += ` AND (o.written_at < ${p(writtenAt)} OR (o.written_at = ${p(writtenAt)} AND o.id < ${p(id)}))`;
  }
  sql += ` ORDER BY o.written_at DESC, o.id DESC LIMIT ${p(query.limit)}`;
  return { sql, params };
}

export function abandonedTotalsStatement(dialect: SqlDialect, site: string, range: TimeRange): Statement {
  const { params, p } = statement(dialect);
  const abandoned: CartState = 'abandoned';
  const sql =
    `SELECT count(*) AS carts, coalesce(sum(${dialect.cartValue}), 0) AS value,` +
    ` (SELECT count(*) FROM sessions s WHERE s.site = ${p(site)} AND s.written_at >= ${p(range.from)} AND s.written_at < ${p(range.to)}` +
    ` AND ${browseAbandonedSql}) AS browses ${CART_FROM}` +
    ` WHERE o.site = ${p(site)} AND o.written_at >= ${p(range.from)} AND o.written_at < ${p(range.to)} AND ${cartStateSql} = ${p(abandoned)}`;
  return { sql, params };
}

export function revenueStatement(dialect: SqlDialect, site: string, range: TimeRange): Statement {
  const { params, p } = statement(dialect);
  const value = dialect.cartValue;
  const sql =
    `SELECT ${dialect.bucketOf('o.converted_at', REVENUE_BUCKET_MS)} AS bucket, count(*) AS conversions, coalesce(sum(${value}), 0) AS revenue,` +
    ` coalesce(sum(CASE WHEN ${recoveredSql} THEN 1 ELSE 0 END), 0) AS recovered,` +
    ` coalesce(sum(CASE WHEN ${recoveredSql} THEN ${value} ELSE 0 END), 0) AS recovered_revenue,` +
    ` coalesce(sum(CASE WHEN ${clickBackSql} THEN 1 ELSE 0 END), 0) AS clicked_back` +
    ` FROM orders o WHERE o.site = ${p(site)} AND o.converted_at >= ${p(range.from)} AND o.converted_at < ${p(range.to)} AND o.status = 'converted'` +
    ' GROUP BY 1 ORDER BY 1';
  return { sql, params };
}

export function funnelStatement(dialect: SqlDialect, site: string, range: TimeRange): Statement {
  const { params, p } = statement(dialect);
  const sql =
    `SELECT (SELECT count(*) FROM sessions WHERE site = ${p(site)} AND written_at >= ${p(range.from)} AND written_at < ${p(range.to)}` +
    ' AND product_views > 0) AS product_views,' +
    ` (SELECT count(*) FROM orders WHERE site = ${p(site)} AND written_at >= ${p(range.from)} AND written_at < ${p(range.to)}` +
    " AND (item_count > 0 OR status = 'converted')) AS carts," +
    ` (SELECT count(*) FROM orders WHERE site = ${p(site)} AND written_at >= ${p(range.from)} AND written_at < ${p(range.to)}` +
    " AND (item_count > 0 OR status = 'converted') AND email IS NOT NULL) AS email_known," +
    ` (SELECT count(*) FROM orders WHERE site = ${p(site)} AND converted_at >= ${p(range.from)} AND converted_at < ${p(range.to)}` +
    " AND status = 'converted') AS conversions";
  return { sql, params };
}

export function cartsByIdsStatement(dialect: SqlDialect, site: string, ids: string[]): Statement {
  const { params, p } = statement(dialect);
  return { sql: `${cartSelect} WHERE o.site = ${p(site)} AND o.id IN (${ids.map(p).join(', ')})`, params };
}

export function cartsOfEmailStatement(dialect: SqlDialect, site: string, email: string, limit: number): Statement {
  const { params, p } = statement(dialect);
  return { sql: `${cartSelect} WHERE o.site = ${p(site)} AND o.email = ${p(email)} ORDER BY o.updated_at DESC LIMIT ${p(limit)}`, params };
}

export function sessionsOfEmailStatement(dialect: SqlDialect, site: string, email: string, limit: number): Statement {
  const { params, p } = statement(dialect);
  return { sql: `SELECT id FROM sessions WHERE site = ${p(site)} AND email = ${p(email)} ORDER BY written_at DESC LIMIT ${p(limit)}`, params };
}

export function sessionEventsStatement(dialect: SqlDialect, site: string, session: string, after: number, limit: number): Statement {
  const { params, p } = statement(dialect);
  const sql =
    'SELECT cursor, id, type, ts, received_at, url, order_id, data FROM events' +
    ` WHERE site = ${p(site)} AND session = ${p(session)} AND cursor > ${p(after)} ORDER BY cursor LIMIT ${p(limit)}`;
  return { sql, params };
}

export const toCartRow = (row: Row): CartRow => ({
  ...(row as unknown as OrderHeader),
  cart_data: JSON.parse(row.cart_data as string),
  campaign_ids: JSON.parse(row.campaign_ids as string),
  written_at: Number(row.written_at),
  last_activity: Number(row.last_activity),
  state: row.state as CartState,
  // SQLite answers 0/1, PostgreSQL a boolean; null until the conversion is looked at.
  click_back: !!row.click_back,
});

export const toRevenueBucket = (row: Row): RevenueBucket => ({
  start: Number(row.bucket) * REVENUE_BUCKET_MS,
  conversions: Number(row.conversions),
  revenue: Number(row.revenue),
  recovered: Number(row.recovered),
  recovered_revenue: Number(row.recovered_revenue),
  clicked_back: Number(row.clicked_back),
});

export const toFunnel = (row: Row): FunnelCounts => ({
  product_views: Number(row.product_views),
  carts: Number(row.carts),
  email_known: Number(row.email_known),
  conversions: Number(row.conversions),
});

export const toTimelineEvent = (row: Row): TimelineEvent => ({
  cursor: Number(row.cursor),
  id: row.id as string,
  type: row.type as string,
  ts: Number(row.ts),
  received_at: Number(row.received_at),
  url: row.url as string,
  order: (row.order_id as string | null) ?? null,
  data: JSON.parse(row.data as string),
});

/** The DashboardReader of an engine that runs a statement and resolves its rows. */
export function createDashboardReader(dialect: SqlDialect, run: (statement: Statement) => Promise<Row[]>) {
  return {
    carts: async (site: string, query: CartQuery) => (await run(cartsStatement(dialect, site, query))).map(toCartRow),
    async abandonedTotals(site: string, range: TimeRange) {
      const [row] = await run(abandonedTotalsStatement(dialect, site, range));
      return { carts: Number(row.carts), value: Number(row.value), browses: Number(row.browses) };
    },
    revenue: async (site: string, range: TimeRange) => (await run(revenueStatement(dialect, site, range))).map(toRevenueBucket),
    funnel: async (site: string, range: TimeRange) => toFunnel((await run(funnelStatement(dialect, site, range)))[0]),
    cartsByIds: async (site: string, ids: string[]) => (ids.length ? (await run(cartsByIdsStatement(dialect, site, ids))).map(toCartRow) : []),
    cartsOfEmail: async (site: string, email: string, limit: number) => (await run(cartsOfEmailStatement(dialect, site, email, limit))).map(toCartRow),
    sessionsOfEmail: async (site: string, email: string, limit: number) =>
      (await run(sessionsOfEmailStatement(dialect, site, email, limit))).map((row) => row.id as string),
    sessionEvents: async (site: string, session: string, after: number, limit: number) =>
      (await run(sessionEventsStatement(dialect, site, session, after, limit))).map(toTimelineEvent),
  };
}
