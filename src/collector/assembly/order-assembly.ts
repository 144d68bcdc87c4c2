/**
 * Carts/orders assembled from beacon events keyed by the event's `order` id (PROTOCOL.md event
 * table, seed 003 "Tracking add to cart activity"). Pure: the store reads the state, applies an
 * event and writes the result in the same transaction as the event itself.
 *
 * Retries make events arrive out of order, so each cart line remembers the `seq` of the last
 * event applied to it and a stale `cart_item`/`cart_item_removed` (lower seq) is skipped; the
 * same holds for `cart_data`. A conversion is final whatever order it arrives in.
 */
import type { CartData, CartItem, Conversion, WireEvent } from '../../protocol/types';
import type { OrderRecord } from '../store/store';

/** An order plus the bookkeeping that orders its events. */
export interface OrderState extends OrderRecord {
  /** Product id → seq of the last line event applied. */
  item_marks: Record<string, number>;
  /** Seq of the last cart_data applied. */
  cart_data_mark: number;
}

/** Event types that change an order. */
export const ORDER_EVENT_TYPES: ReadonlySet<string> = new Set([
  'order_started',
  'cart_data',
  'cart_item',
  'cart_item_removed',
  'cart_cleared',
  'conversion',
]);

/** A new, empty, open order. */
export const createOrder = (site: string, id: string, at: number): OrderState => ({
  site,
  id,
  visitor: null,
  session: null,
  email: null,
  status: 'open',
  cart_data: {},
  items: [],
  campaign_type: null,
  campaign_ids: [],
  created_at: at,
  updated_at: at,
  converted_at: null,
  converted_by: null,
  item_marks: {},
  cart_data_mark: -1,
});

/** Cart data fields replace the stored ones; metadata merges key by key. */
export function mergeCartData(into: CartData, patch: CartData): CartData {
  const out: CartData = { ...into, ...patch };
  if (into.metadata && patch.metadata) out.metadata = { ...into.metadata, ...patch.metadata };
  return out;
}

/** Inserts or replaces the line of `item.product_id`, keeping the line's position. */
export function upsertItem(items: CartItem[], item: CartItem): CartItem[] {
  const index = items.findIndex((line) => line.product_id == item.product_id);
  return index < 0 ? [...items, item] : items.map((line, at) => (at == index ? item : line));
}

/**
 * Applies a conversion (from `sendConversion` or the REST API): the order becomes converted,
 * its cart data merges, and `cart_items`, when given, replace the lines (they say what was
 * bought, seed 003 "greater accuracy as to what has been converted").
 */
export function applyConversion(
  order: OrderState,
  conversion: Conversion,
  at: number,
  by: 'beacon' | 'api',
): OrderState {
  const next: OrderState = { ...order, status: 'converted', converted_at: at, converted_by: by, updated_at: at };
  if (conversion.cart_data) next.cart_data = mergeCartData(order.cart_data, conversion.cart_data);
  if (conversion.cart_items && conversion.cart_items.length) {
    next.items = conversion.cart_items.slice();
    next.item_marks = {};
  }
  if (conversion.campaign_type) next.campaign_type = conversion.campaign_type;
  if (conversion.campaign_ids && conversion.campaign_ids.length) next.campaign_ids = conversion.campaign_ids.slice();
  return next;
}

/** The order after `event` (one of ORDER_EVENT_TYPES, data already normalized). */
export function applyOrderEvent(order: OrderState, event: WireEvent): OrderState {
  const next: OrderState = {
    ...order,
    visitor: order.visitor ?? event.visitor,
    session: event.session,
    updated_at: Math.max(order.updated_at, event.ts),
  };
  switch (event.type) {
    case 'cart_data': {
      if (event.seq <= order.cart_data_mark) return next;
      const data = event.data as CartData;
      return { ...next, cart_data: mergeCartData(order.cart_data, data), cart_data_mark: event.seq };
    }
    case 'cart_item':
    case 'cart_item_removed': {
      const productId = (event.data as { product_id: string }).product_id;
      // Own keys only: a product id such as "constructor" must not read Object.prototype.
      const mark = Object.prototype.hasOwnProperty.call(order.item_marks, productId)
        ? order.item_marks[productId]
        : undefined;
      if (mark !== undefined && event.seq <= mark) return next;
      next.item_marks = { ...order.item_marks, [productId]: event.seq };
      next.items =
        event.type == 'cart_item'
          ? upsertItem(order.items, event.data as CartItem)
          : order.items.filter((line) => line.product_id != productId);
      return next;
    }
    case 'cart_cleared':
      if (order.status == 'open') next.status = 'cleared';
      return next;
    case 'conversion':
      return applyConversion(next, event.data as Conversion, event.ts, 'beacon');
    default:
      return next; // order_started: the order exists now, nothing else to do
  }
}

/** The public part of an order (without bookkeeping). */
export function toOrderRecord(state: OrderState): OrderRecord {
  const { item_marks: _marks, cart_data_mark: _mark, ...record } = state;
  return record;
}
