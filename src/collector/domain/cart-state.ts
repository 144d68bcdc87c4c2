/**
 * The state of a cart as the dashboard shows it, read from the stored lifecycle (README
 * "Abandonment"), so that the dashboard says what the webhooks said:
 *
 * - *abandoned*: the detector decided its session `abandoned_cart` about this order (the
 *   decision a `cart_abandoned` webhook was sent for) and no event arrived since;
 * - *recovered*: a converted order whose conversion recovered an abandonment (the
 *   `order_converted` webhook's `recovered: true`, stored with it as `orders.recovered_session`,
 *   beside `orders.click_back`), and an abandoned cart whose session a conversion recovered (the
 *   shopper bought with another order, on another device say);
 * - *converted*: any other converted order; *cleared*: the shopper emptied it; *empty*: an open
 *   order without lines;
 * - *closed*: an open cart whose session was decided otherwise (another order of the session was
 *   the one abandoned, or the session was decided before the lifecycle was stored);
 * - *active*: the one state still derived. A cart whose session is not decided since its last
 *   event (the detector has not reached it, or the shopper is still there) is active, and so is
 *   a cart without a session (one written through the REST API): the detector follows sessions,
 *   and sends nothing about it.
 *
 * Everything that decides these lives here, as the SQL both engines put in their queries.
 */

export type CartState = 'active' | 'abandoned' | 'closed' | 'converted' | 'recovered' | 'cleared' | 'empty';

export const CART_STATES: readonly CartState[] = ['active', 'abandoned', 'closed', 'converted', 'recovered', 'cleared', 'empty'];

/** The last write of the order or its session (collector's clock), over `orders o` joined (left) to its session `s`. */
export const lastActivitySql = 'CASE WHEN s.written_at IS NOT NULL AND s.written_at > o.written_at THEN s.written_at ELSE o.written_at END';

/**
 * Whether the session `s` holds a decision made at its current event count (a later event makes
 * it active again). Never NULL, also without a session, so that NOT of it is true there.
 */
const decidedSql = 's.lifecycle IS NOT NULL AND s.lifecycle_events IS NOT NULL AND s.lifecycle_events = s.events';

/** The state of order `o` (CartState), as SQL over `orders o` joined (left) to its session `s`. Plain SQL both engines run. */
export const cartStateSql =
  'CASE' +
  " WHEN o.status = 'converted' THEN CASE WHEN o.recovered_session IS NOT NULL THEN 'recovered' ELSE 'converted' END" +
  " WHEN o.status = 'cleared' THEN 'cleared'" +
  " WHEN o.item_count = 0 THEN 'empty'" +
  ` WHEN NOT (${decidedSql}) THEN 'active'` +
  " WHEN s.lifecycle = 'abandoned_cart' AND s.lifecycle_order = o.id THEN 'abandoned'" +
  " WHEN s.lifecycle = 'recovered' AND s.lifecycle_order = o.id THEN 'recovered'" +
  " ELSE 'closed' END";

/** Whether a converted order `o` was a recovery (the order_converted webhook's `recovered`), as SQL. */
export const recoveredSql = 'o.recovered_session IS NOT NULL';
/** Whether a recovery's shopper came back through a link (the webhook's `click_back`), as SQL. */
export const clickBackSql = 'o.recovered_session IS NOT NULL AND o.click_back';

/**
 * Whether the shopper of a cart in state *recovered* came back through a link, as SQL over
 * `orders o`: a converted order says it itself (the order_converted webhook's `click_back`); an
 * abandoned cart that another order recovered (bought on another device, say) takes it from that
 * order, found through `orders.recovered_session` (indexed: one lookup per cart listed).
 */
export const cartClickBackSql =
  "CASE WHEN o.status = 'converted' THEN o.recovered_session IS NOT NULL AND o.click_back" +
  ' ELSE EXISTS (SELECT 1 FROM orders r WHERE r.site = o.site AND r.recovered_session = o.session AND r.click_back) END';

/** A session `s` abandoned while browsing (no cart), decided at its current event count, as SQL. */
export const browseAbandonedSql = `s.lifecycle = 'abandoned_browse' AND ${decidedSql}`;
