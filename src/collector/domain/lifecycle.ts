/**
 * The session and cart lifecycle (README "Abandonment"), pure. A session is active while its
 * events arrive; once the site's abandonment buffer passed without one, the detector decides it
 * once: abandoned with a cart, abandoned while browsing, or closed. A conversion after an
 * abandonment is a recovery. Nothing here reads a clock: `now` is always given.
 */
import type { OrderHeader, StoredSession } from './records';

/** What a decided session became. A session with events newer than its decision is active again. */
export type LifecycleState = 'abandoned_cart' | 'abandoned_browse' | 'closed' | 'recovered';
export const LIFECYCLE_STATES: readonly LifecycleState[] = ['abandoned_cart', 'abandoned_browse', 'closed', 'recovered'];

/** Sessions decided per detection transaction: a tick costs at most this, whatever is stored. */
export const DETECTION_BATCH = 200;
/** A conversion this long after an abandonment is no longer counted as its recovery. */
export const RECOVERY_WINDOW_MS = 30 * 24 * 3600_000;

/** A session the detector looks at: idle for longer than the buffer, not decided since its last event. */
export interface IdleSession extends StoredSession {
  /** The server's time of the last write: what "inactive for N minutes" is measured on. */
  written_at: number;
  /** The previous decision (before the events that made it active again), or null. */
  lifecycle: LifecycleState | null;
}

export const isAbandoned = (state: LifecycleState | null): boolean => state == 'abandoned_cart' || state == 'abandoned_browse';

/**
 * What an idle session becomes. `order` is the newest order the session wrote to (if any).
 * A cart is an open order with lines; a viewed product without one is a browse abandonment.
 */
export function decideSession(session: IdleSession, order: OrderHeader | undefined): LifecycleState {
  if (order?.status == 'converted' && (isAbandoned(session.lifecycle) || session.lifecycle == 'recovered')) return 'recovered';
  if (order?.status == 'open' && order.item_count > 0) return 'abandoned_cart';
  if (order?.status == 'converted') return 'closed';
  if (session.product_views > 0) return 'abandoned_browse';
  return 'closed';
}

/** The effective state of a stored session: its decision, unless events arrived after it. */
export const effectiveState = (row: { events: number; lifecycle: string | null; lifecycle_events: number | null }): LifecycleState | 'active' =>
  row.lifecycle !== null && row.lifecycle_events === row.events ? (row.lifecycle as LifecycleState) : 'active';
