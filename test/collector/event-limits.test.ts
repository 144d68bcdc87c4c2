import { describe, expect, it } from 'vitest';
import {
  applyEventLimits,
  MAX_KEY_BYTES,
  MAX_LIST_ENTRIES,
  MAX_METADATA_KEYS,
  MAX_ORDER_ITEMS,
  MAX_STRING_CHARS,
  MAX_URL_CHARS,
  truncate,
} from '../../src/collector/ingest/event-limits';
import type { WireEvent } from '../../src/protocol/types';

const NOW = 1763700000000;
const event = (type: WireEvent['type'], data: unknown): WireEvent =>
  ({ id: 'e', seq: 1, type, ts: NOW, visitor: 'v', session: 's', order: 'o', url: 'https://shop.example/', data }) as WireEvent;

const limited = (type: WireEvent['type'], data: unknown) => {
  const result = applyEventLimits(event(type, data), NOW);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.event.data as unknown as Record<string, unknown>;
};
const refusal = (type: WireEvent['type'], data: unknown): string => {
  const result = applyEventLimits(event(type, data), NOW);
  return result.ok ? 'kept' : result.reason;
};

describe('per-event limits', () => {
  it('cuts strings at 2,000 characters and URLs at 8,192, keeping the event', () => {
    const data = limited('cart_item', {
      product_id: 'p',
      name: 'n'.repeat(999_628),
      product_url: 'https://shop.example/' + 'p'.repeat(20_000),
      metadata: { ['k'.repeat(3000)]: 'v'.repeat(3000) },
    });
    expect((data.name as string).length).toBe(MAX_STRING_CHARS);
    expect((data.product_url as string).length).toBe(MAX_URL_CHARS);
    const [[key, value]] = Object.entries(data.metadata as object);
    // A key identifies a row: it is cut to 512 bytes, its value to 2,000 characters.
    expect([key.length, (value as string).length]).toEqual([MAX_KEY_BYTES, MAX_STRING_CHARS]);
  });

  it('never cuts a surrogate pair in half', () => {
    expect(truncate('ab😀', 3)).toBe('ab');
    expect(truncate('ab😀', 4)).toBe('ab😀');
  });

  it('cuts lists at 100 entries', () => {
    const data = limited('product_view', { product_id: 'p', category: Array.from({ length: 500 }, (_, i) => `c${i}`) });
    expect((data.category as string[]).length).toBe(MAX_LIST_ENTRIES);
  });

  it.each([
    ['a price beyond 10^12 cents', 'cart_item', { product_id: 'p', price: 1e13 }, /price/],
    ['a negative cart value beyond -10^12', 'cart_data', { cart_value: -2e12 }, /cart_value/],
    ['a negative quantity', 'cart_item', { product_id: 'p', item_qty: -1 }, /item_qty/],
    ['a quantity over 10^6', 'cart_data', { cart_item_count: 1e6 + 1 }, /cart_item_count/],
    ['201 metadata keys', 'session_metadata', { metadata: Object.fromEntries(Array.from({ length: MAX_METADATA_KEYS + 1 }, (_, i) => [`k${i}`, 'v'])) }, /metadata/],
    ['501 items in a conversion', 'conversion', { cart_items: Array.from({ length: MAX_ORDER_ITEMS + 1 }, (_, i) => ({ product_id: `p${i}` })) }, /cart_items/],
    ['an absurd price inside a conversion', 'conversion', { cart_items: [{ product_id: 'p', qty_price: 1e15 }] }, /qty_price/],
  ])('refuses %s', (_name, type, data, reason) => {
    expect(refusal(type as WireEvent['type'], data)).toMatch(reason);
  });

  it('keeps discount lines and values at the edges', () => {
    expect(refusal('cart_item', { product_id: 'discount', price: -1e12, item_qty: 0 })).toBe('kept');
    expect(refusal('cart_data', { cart_value: 1e12, cart_item_count: 1e6 })).toBe('kept');
    expect(refusal('session_metadata', { metadata: Object.fromEntries(Array.from({ length: MAX_METADATA_KEYS }, (_, i) => [`k${i}`, 'v'])) })).toBe('kept');
  });

  it('keeps a key named __proto__ as a plain key', () => {
    const data = limited('session_metadata', JSON.parse('{"metadata": {"__proto__": "x"}}'));
    expect(Object.keys(data.metadata as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('cuts identifiers to 512 bytes of UTF-8 at a character boundary', () => {
    const data = limited('cart_item', { product_id: '鮨'.repeat(2000), metadata: { ['€'.repeat(300)]: 'v' } });
    expect(Buffer.byteLength(data.product_id as string)).toBe(510); // 170 characters of 3 bytes
    expect(Object.keys(data.metadata as object)[0]).toBe('€'.repeat(170));
  });
});
