/**
 * The shop's own order number (cart_data.order_number, PROTOCOL.md) as an indexed column of the
 * order: a loyalty operation's `order_id` (seed 004) names an order by the collector's id or by
 * this number. A number longer than an index key may be (512 bytes of UTF-8) is not indexed. Pure.
 */
import { MAX_KEY_BYTES } from '../ingest/event-limits';

export function orderNumberOf(cartData: { order_number?: unknown } | undefined | null): string | null {
  const value = cartData?.order_number;
  if (typeof value != 'string' || !value) return null;
  return Buffer.byteLength(value) <= MAX_KEY_BYTES ? value : null;
}
