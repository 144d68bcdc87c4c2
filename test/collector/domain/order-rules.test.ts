import { describe, expect, it } from 'vitest';
import { applyConversion, applyOrderEvent, createOrderHeader, type OrderChange } from '../../../src/collector/domain/order-rules';
import type { ItemRow, OrderHeader } from '../../../src/collector/domain/records';
import { MAX_ORDER_ITEMS } from '../../../src/collector/ingest/event-limits';
import type { WireEvent } from '../../../src/protocol/types';

const event = (type: WireEvent['type'], seq: number, data: object): WireEvent =>
  ({ id: `e${seq}`, seq, type, ts: 1000 + seq, visitor: 'v', session: 's', order: 'o', url: 'u', data }) as WireEvent;

/** Applies events in order the way a store would: header, lines and cart metadata by key. */
function run(...events: WireEvent[]) {
  let header: OrderHeader = createOrderHeader('site', 'o', 0);
  let lines = new Map<string, ItemRow>();
  const metadata: Record<string, string> = {};
  const refused: string[] = [];
  const take = (change: OrderChange): void => {
    if (change.refused) return void refused.push(change.refused);
    header = change.header;
    if (change.lines) lines = new Map(change.lines.map((line) => [line.product_id, line]));
    if (change.line) lines.set(change.line.product_id, change.line);
    Object.assign(metadata, change.cartMetadata);
  };
  for (const e of events) {
    const productId = (e.data as { product_id?: string }).product_id;
    take(applyOrderEvent(header, e, productId === undefined ? undefined : lines.get(productId)));
  }
  const items = [...lines.values()].filter((line) => line.item).sort((a, b) => a.position - b.position).map((line) => line.item);
  return { header, items, metadata, refused };
}

describe('order rules', () => {
  it('keeps the position of a replaced line, and puts a line added again after a removal last', () => {
    const { items } = run(
      event('cart_item', 1, { product_id: 'a' }),
      event('cart_item', 2, { product_id: 'b' }),
      event('cart_item', 3, { product_id: 'a', item_qty: 2 }),
    );
    expect(items).toEqual([{ product_id: 'a', item_qty: 2 }, { product_id: 'b' }]);
    const readded = run(
      event('cart_item', 1, { product_id: 'a' }),
      event('cart_item', 2, { product_id: 'b' }),
      event('cart_item_removed', 3, { product_id: 'a' }),
      event('cart_item', 4, { product_id: 'a' }),
    );
    expect(readded.items).toEqual([{ product_id: 'b' }, { product_id: 'a' }]);
  });

  it('applies lines by seq: a stale add after a removal is skipped, a newer add is not', () => {
    expect(run(event('cart_item_removed', 2, { product_id: 'a' }), event('cart_item', 1, { product_id: 'a' })).items).toEqual([]);
    expect(run(event('cart_item_removed', 1, { product_id: 'a' }), event('cart_item', 2, { product_id: 'a' })).items).toEqual([{ product_id: 'a' }]);
  });

  it('counts the lines present', () => {
    const { header } = run(
      event('cart_item', 1, { product_id: 'a' }),
      event('cart_item', 2, { product_id: 'b' }),
      event('cart_item', 3, { product_id: 'a' }),
      event('cart_item_removed', 4, { product_id: 'b' }),
      event('cart_item_removed', 5, { product_id: 'nothing' }),
    );
    expect(header.item_count).toBe(1);
  });

  it('merges cart data, its metadata key by key, and skips an older cart_data', () => {
    const order = run(
      event('cart_data', 1, { cart_value: 10, promo: 'X', metadata: { a: '1' } }),
      event('cart_data', 3, { cart_value: 20, metadata: { b: '2' } }),
      event('cart_data', 2, { cart_value: 15 }),
    );
    expect(order.header.cart_data).toEqual({ cart_value: 20, promo: 'X' });
    expect(order.metadata).toEqual({ a: '1', b: '2' });
  });

  it('does not reopen or clear a converted order', () => {
    const { header } = run(event('conversion', 2, {}), event('cart_cleared', 3, {}));
    expect(header.status).toBe('converted');
    expect(header.converted_at).toBe(1002);
  });

  it('ignores cart events older than the conversion that arrive after it (retries)', () => {
    const { items, header } = run(
      event('cart_item', 1, { product_id: 'a' }),
      event('conversion', 5, { cart_items: [{ product_id: 'a', item_qty: 3 }] }),
      event('cart_item', 4, { product_id: 'a', item_qty: 9 }),
      event('cart_item', 3, { product_id: 'late' }),
      event('cart_data', 2, { cart_value: 1 }),
    );
    expect(items).toEqual([{ product_id: 'a', item_qty: 3 }]);
    expect(header.cart_data).toEqual({});
  });

  it('keeps the lines when a conversion brings none', () => {
    const order = run(event('cart_item', 1, { product_id: 'a' }));
    const change = applyConversion(order.header, { campaign_ids: ['c1'] }, 5, 'api');
    expect(change.lines).toBeUndefined();
    expect(change.header).toMatchObject({ campaign_ids: ['c1'], converted_by: 'api', converted_at: 5, item_count: 1 });
  });

  it('treats product ids like "constructor" and "__proto__" as plain keys', () => {
    expect(run(event('cart_item', 1, { product_id: 'constructor' })).items).toEqual([{ product_id: 'constructor' }]);
    expect(run(event('cart_item', 1, { product_id: '__proto__' }), event('cart_item_removed', 2, { product_id: '__proto__' })).items).toEqual([]);
  });

  it(`refuses a new line past ${MAX_ORDER_ITEMS}, and still takes changes to lines it holds`, () => {
    const events = Array.from({ length: MAX_ORDER_ITEMS + 1 }, (_, i) => event('cart_item', i + 1, { product_id: `p${i}` }));
    const full = run(...events, event('cart_item', 10_000, { product_id: 'p0', item_qty: 5 }));
    expect(full.header.item_count).toBe(MAX_ORDER_ITEMS);
    expect(full.refused).toEqual([`order: at most ${MAX_ORDER_ITEMS} items`]);
    expect(full.items[0]).toEqual({ product_id: 'p0', item_qty: 5 });
  });
});
