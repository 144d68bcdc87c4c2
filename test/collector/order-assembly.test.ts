import { describe, expect, it } from 'vitest';
import { applyConversion, applyOrderEvent, createOrder, toOrderRecord, upsertItem } from '../../src/collector/assembly/order-assembly';
import { mergeProfile } from '../../src/collector/assembly/customer-profile';
import type { WireEvent } from '../../src/protocol/types';

const event = (type: WireEvent['type'], seq: number, data: object): WireEvent =>
  ({ id: `e${seq}`, seq, type, ts: 1000 + seq, visitor: 'v', session: 's', order: 'o', url: 'u', data }) as WireEvent;

const run = (...events: WireEvent[]) => events.reduce(applyOrderEvent, createOrder('site', 'o', 0));

describe('order assembly', () => {
  it('keeps the position of a replaced line', () => {
    const items = upsertItem(upsertItem([{ product_id: 'a' }], { product_id: 'b' }), { product_id: 'a', item_qty: 2 });
    expect(items).toEqual([{ product_id: 'a', item_qty: 2 }, { product_id: 'b' }]);
  });

  it('applies lines by seq: a stale add after a removal is skipped, a newer add is not', () => {
    expect(run(event('cart_item_removed', 2, { product_id: 'a' }), event('cart_item', 1, { product_id: 'a' })).items).toEqual([]);
    expect(run(event('cart_item_removed', 1, { product_id: 'a' }), event('cart_item', 2, { product_id: 'a' })).items).toEqual([{ product_id: 'a' }]);
  });

  it('merges cart data and its metadata', () => {
    const order = run(
      event('cart_data', 1, { cart_value: 10, promo: 'X', metadata: { a: '1' } }),
      event('cart_data', 2, { cart_value: 20, metadata: { b: '2' } }),
    );
    expect(order.cart_data).toEqual({ cart_value: 20, promo: 'X', metadata: { a: '1', b: '2' } });
  });

  it('does not reopen or clear a converted order', () => {
    const order = run(event('conversion', 2, {}), event('cart_cleared', 3, {}));
    expect(order.status).toBe('converted');
    expect(order.converted_at).toBe(1002);
  });

  it('keeps the lines when a conversion brings none', () => {
    const order = applyConversion(run(event('cart_item', 1, { product_id: 'a' })), { campaign_ids: ['c1'] }, 5, 'api');
    expect(order).toMatchObject({ items: [{ product_id: 'a' }], campaign_ids: ['c1'], converted_by: 'api', converted_at: 5 });
  });

  it('treats product ids like "constructor" as plain keys', () => {
    expect(run(event('cart_item', 1, { product_id: 'constructor' })).items).toEqual([{ product_id: 'constructor' }]);
    expect(run(event('cart_item', 1, { product_id: '__proto__' }), event('cart_item_removed', 2, { product_id: '__proto__' })).items).toEqual([]);
  });

  it('leaves the bookkeeping out of the record', () => {
    expect(Object.keys(toOrderRecord(run(event('cart_item', 1, { product_id: 'a' }))))).not.toContain('item_marks');
  });
});

describe('customer profile merge', () => {
  it('merges beacon metadata by key and replaces REST metadata whole', () => {
    const profile = { first_name: 'A', metadata: { a: 1, b: 2 } };
    expect(mergeProfile(profile, { profile: { metadata: { b: 3 } }, replaceMetadata: false }).metadata).toEqual({ a: 1, b: 3 });
    expect(mergeProfile(profile, { profile: { metadata: { b: 3 } }, replaceMetadata: true }).metadata).toEqual({ b: 3 });
  });

  it('removes a field given as null and keeps absent ones', () => {
    expect(mergeProfile({ first_name: 'A', city: 'B' }, { profile: { city: null } as never, replaceMetadata: true })).toEqual({ first_name: 'A' });
  });
});
