/**
 * What the merchant's dashboard reads from an engine. Every read names one site and a bounded
 * window: a time range over an indexed column (orders and sessions by their last write, converted
 * orders by conversion time, a session's events by arrival) and a row limit, so a request's cost
 * follows what happened in its range, never what is stored in total.
 */
import type { CartState } from '../domain/cart-state';
import type { OrderHeader } from '../domain/records';

/** Instants in ms, `from` included, `to` excluded. */
export interface TimeRange {
  from: number;
  to: number;
}

/** An order as the cart listing reads it. */
export interface CartRow extends OrderHeader {
  /** The collector's clock at the last write of the order or its session (ms). */
  last_activity: number;
  written_at: number;
  /** From the stored lifecycle (cart-state.ts). */
  state: CartState;
  /** For a recovery: whether the shopper came back through a link of an abandonment webhook. */
  click_back: boolean;
}

export interface CartQuery extends TimeRange {
  /** Only carts in this state (cart-state.ts), or every one. */
  state: CartState | 'all';
  /** The (written_at, id) of the last cart of the previous page: newest first. */
  after?: [writtenAt: number, id: string];
  limit: number;
}

/** Totals over converted orders in a 15-minute bucket (the caller folds them into local days). */
export interface RevenueBucket {
  /** Start of the bucket, ms. */
  start: number;
  conversions: number;
  revenue: number;
  recovered: number;
  recovered_revenue: number;
  /** Recoveries whose shopper came back through a link. */
  clicked_back: number;
}

export interface FunnelCounts {
  /** Sessions active in the range that viewed a product. */
  product_views: number;
  /** Orders active in the range that hold items or converted. */
  carts: number;
  /** Of those, the ones with an email. */
  email_known: number;
  /** Orders converted in the range. */
  conversions: number;
}

/** A stored event as the timeline shows it. */
export interface TimelineEvent {
  cursor: number;
  id: string;
  type: string;
  /** The shopper's clock. */
  ts: number;
  /** The collector's clock. */
  received_at: number;
  url: string;
  order: string | null;
  data: unknown;
}

export interface DashboardReader {
  /** A page of carts last written in the range, newest first. */
  carts(site: string, query: CartQuery): Promise<CartRow[]>;
  /**
   * Carts abandoned (last written in the range, as the detector decided), their value in cents,
   * and sessions abandoned while browsing (last written in the range).
   */
  abandonedTotals(site: string, range: TimeRange): Promise<{ carts: number; value: number; browses: number }>;
  /** Converted orders by conversion time, in 15-minute buckets. */
  revenue(site: string, range: TimeRange): Promise<RevenueBucket[]>;
  funnel(site: string, range: TimeRange): Promise<FunnelCounts>;
  /** One order by id or a session's orders, as cart rows. */
  cartsByIds(site: string, ids: string[]): Promise<CartRow[]>;
  /** The newest orders of an email, at most `limit`. */
  cartsOfEmail(site: string, email: string, limit: number): Promise<CartRow[]>;
  /** The newest sessions of an email, ids only, at most `limit`. */
  sessionsOfEmail(site: string, email: string, limit: number): Promise<string[]>;
  /**
   * A session's events in arrival order after `after` (a cursor), at most `limit`: the index
   * (site, session) gives them in order, so a page reads `limit` rows.
   */
  sessionEvents(site: string, session: string, after: number, limit: number): Promise<TimelineEvent[]>;
}

/** Width of a revenue bucket: divides every time zone's offset from UTC (some are :30 or :45). */
export const REVENUE_BUCKET_MS = 15 * 60_000;
