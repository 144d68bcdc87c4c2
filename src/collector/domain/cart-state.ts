/**
 * The state of a cart as the dashboard shows it, and whether a conversion was a recovery.
 *
 * Derived at query time from what is stored, because the collector does not store a cart's
 * lifecycle yet: an order that has items and is neither converted nor cleared is *abandoned*
 * once its last activity (the order's or its session's last write, on the collector's clock) is
 * older than the site's `abandonment_minutes`, else *active*. A conversion counts as a recovery
 * when it names an abandonment campaign (`campaign_type: "abandonment"`), the one stored sign
 * that the shopper came back through a recovery message.
 *
 * Everything that decides these lives here (the row rule and the SQL both engines put in their
 * queries), so that reading a stored lifecycle state instead later changes this file only.
 */
import type { OrderStatus } from './records';

export type CartState = 'active' | 'abandoned' | 'converted' | 'cleared' | 'empty';

export const CART_STATES: readonly CartState[] = ['active', 'abandoned', 'converted', 'cleared', 'empty'];

/** Activity at or before this instant (ms) is old enough for an abandonment. */
export const abandonmentCutoff = (now: number, abandonmentMinutes: number): number => now - abandonmentMinutes * 60_000;

/** The state of one order, from its stored status, line count and last activity. */
export function cartStateOf(order: { status: OrderStatus; item_count: number; last_activity: number }, cutoff: number): CartState {
  if (order.status == 'converted') return 'converted';
  if (order.status == 'cleared') return 'cleared';
  if (order.item_count == 0) return 'empty';
  return order.last_activity <= cutoff ? 'abandoned' : 'active';
}

/**
 * The SQL of the same rules, over `orders o` joined (left) to its session `s`. `cutoff` adds the
 * cutoff as a parameter and gives its placeholder (`?` or `$3`); it is called only by the states
 * that compare with it. Plain SQL both engines run.
 */
export const lastActivitySql = 'CASE WHEN s.written_at IS NOT NULL AND s.written_at > o.written_at THEN s.written_at ELSE o.written_at END';

export function cartStateWhere(state: CartState, cutoff: () => string): string {
  switch (state) {
    case 'converted':
      return "o.status = 'converted'";
    case 'cleared':
      return "o.status = 'cleared'";
    case 'empty':
      return "o.status = 'open' AND o.item_count = 0";
    case 'abandoned':
      return `o.status = 'open' AND o.item_count > 0 AND ${lastActivitySql} <= ${cutoff()}`;
    case 'active':
      return `o.status = 'open' AND o.item_count > 0 AND ${lastActivitySql} > ${cutoff()}`;
  }
}

/** Whether a converted order `o` was a recovery, as SQL. */
export const recoveredSql = "o.campaign_type = 'abandonment'";
