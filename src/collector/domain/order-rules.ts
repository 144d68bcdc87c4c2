/**
 * Carts/orders (PROTOCOL.md event table, seed 003 "Tracking add to cart activity"), whatever
 * converts them: beacons and the REST API go through these same rules. Pure: each function
 * takes the order's header (and the line an event names) and says what changes.
 *
 * Retries make events arrive out of order, so each line keeps the `seq` of the last event
 * applied to it and a stale `cart_item`/`cart_item_removed` (lower seq) is skipped; the same
 * holds for `cart_data`. A conversion is final whatever order it arrives in, and cart events
 * older than a beacon conversion no longer change what was bought.
 */
import type { CartData, CartItem, Conversion, WireEvent } from '../../protocol/types';
import { MAX_ORDER_ITEMS } from '../ingest/event-limits';
import type { CartFields, ItemRow, OrderHeader } from './records';

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
export const createOrderHeader = (site: string, id: string, at: number): OrderHeader => ({
  site,
  id,
  visitor: null,
  session: null,
  email: null,
  status: 'open',
  cart_data: {},
  campaign_type: null,
  campaign_ids: [],
  created_at: at,
  updated_at: at,
  converted_at: null,
  converted_by: null,
  item_count: 0,
  next_position: 0,
  cart_data_seq: -1,
  closed_seq: -1,
});

/** Cart data without its metadata, which is stored (and merged) key by key. */
export function splitCartData(data: CartData): { fields: CartFields; metadata: Record<string, string> } {
  const { metadata = {}, ...fields } = data;
  return { fields, metadata };
}

/** What an order event changes. */
export interface OrderChange {
  header: OrderHeader;
  /** A line written (or the mark a removal leaves). */
  line?: ItemRow;
  /** Lines that replace every line of the order (a conversion that says what was bought). */
  lines?: ItemRow[];
  /** Cart metadata keys to set. */
  cartMetadata?: Record<string, string>;
  /** Why the event cannot apply; nothing of it is stored. */
  refused?: string;
}

/** Lines for a conversion's `cart_items`, in order, replacing the order's lines. */
function conversionLines(header: OrderHeader, items: CartItem[]): ItemRow[] {
  const byProduct = new Map<string, ItemRow>();
  for (const item of items)
    byProduct.set(item.product_id, {
      site: header.site,
      order: header.id,
      product_id: item.product_id,
      seq: -1,
      position: byProduct.get(item.product_id)?.position ?? byProduct.size,
      item,
    });
  return [...byProduct.values()];
}

/**
 * Applies a conversion from `sendConversion` (with its `seq`) or the REST API (seq -1): the order
 * becomes converted, its cart data merges, and `cart_items`, when given, replace the lines (seed
 * 003: they say "with greater accuracy" what was bought).
 */
export function applyConversion(
  order: OrderHeader,
  conversion: Conversion,
  at: number,
  by: 'beacon' | 'api',
  seq = -1,
): OrderChange {
  const header: OrderHeader = { ...order, status: 'converted', converted_at: at, converted_by: by, closed_seq: Math.max(order.closed_seq, seq) };
  const change: OrderChange = { header };
  if (conversion.cart_data) {
    const { fields, metadata } = splitCartData(conversion.cart_data);
    header.cart_data = { ...order.cart_data, ...fields };
    change.cartMetadata = metadata;
  }
  if (conversion.cart_items?.length) {
    change.lines = conversionLines(order, conversion.cart_items);
    header.item_count = change.lines.length;
    header.next_position = change.lines.length;
  }
  if (conversion.campaign_type) header.campaign_type = conversion.campaign_type;
  if (conversion.campaign_ids?.length) header.campaign_ids = conversion.campaign_ids.slice();
  return change;
}

/**
 * The change `event` (one of ORDER_EVENT_TYPES, data normalized and limited) makes to `order`;
 * `line` is the stored line of the product the event names, if any.
 */
export function applyOrderEvent(order: OrderHeader, event: WireEvent, line: ItemRow | undefined): OrderChange {
  const header: OrderHeader = {
    ...order,
    visitor: order.visitor ?? event.visitor,
    session: event.session,
    updated_at: Math.max(order.updated_at, event.ts),
  };
  const stale = event.seq <= order.closed_seq;
  switch (event.type) {
    case 'cart_data': {
      if (stale || event.seq <= order.cart_data_seq) return { header };
      const { fields, metadata } = splitCartData(event.data as CartData);
      return { header: { ...header, cart_data: { ...order.cart_data, ...fields }, cart_data_seq: event.seq }, cartMetadata: metadata };
    }
    case 'cart_item':
    case 'cart_item_removed': {
      if (stale || (line && event.seq <= line.seq)) return { header };
      const present = !!line?.item;
      const adding = event.type == 'cart_item';
      if (adding && !present && order.item_count >= MAX_ORDER_ITEMS)
        return { header: order, refused: `order: at most ${MAX_ORDER_ITEMS} items` };
      const productId = (event.data as { product_id: string }).product_id;
      const position = line?.item ? line.position : adding ? header.next_position++ : line?.position ?? 0;
      header.item_count += adding ? (present ? 0 : 1) : present ? -1 : 0;
      return {
        header,
        line: { site: order.site, order: order.id, product_id: productId, seq: event.seq, position, item: adding ? (event.data as CartItem) : null },
      };
    }
    case 'cart_cleared':
      if (header.status == 'open' && !stale) header.status = 'cleared';
      return { header };
    case 'conversion':
      return applyConversion(header, event.data as Conversion, event.ts, 'beacon', event.seq);
    default:
      return { header }; // order_started: the order exists now, nothing else to do
  }
}
