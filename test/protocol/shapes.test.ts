import { describe, expect, it } from 'vitest';
import { normalizeEventData } from '../../src/protocol/events';
import type { Warn } from '../../src/protocol/types';

const normalizeCartData = (input: unknown, warn: Warn) => normalizeEventData('cart_data', input, warn);
const normalizeCartItem = (input: unknown, warn: Warn) => normalizeEventData('cart_item', input, warn);
const normalizeProduct = (input: unknown, warn: Warn) => normalizeEventData('product_view', input, warn);
const normalizeCustomer = (input: unknown, warn: Warn) => normalizeEventData('customer_data', input, warn);

const run = <T>(normalize: (input: unknown, warn: (m: string) => void) => T, input: unknown) => {
  const warnings: string[] = [];
  return { value: normalize(input, (m) => warnings.push(m)), warnings };
};

describe('normalizeCartData', () => {
  it.each([
    ['the guide example', { cart_value: 79996, cart_item_count: 4, return_url: 'https://s.io/cart' }, { cart_value: 79996, cart_item_count: 4, return_url: 'https://s.io/cart' }],
    ['numeric strings', { cart_value: '7996', cart_item_count: '1.0000' }, { cart_value: 7996, cart_item_count: 1 }],
    ['v3 names', { value: 100, totalItems: 2, returnUrl: '/c', customer_order_number: 'A/1' }, { cart_value: 100, cart_item_count: 2, return_url: '/c', order_number: 'A/1' }],
    ['v3 total_items_count', { total_items_count: '3' }, { cart_item_count: 3 }],
    ['canonical name wins over a v3 alias', { value: 1, cart_value: 2 }, { cart_value: 2 }],
    ['canonical name wins in either order', { cart_value: 2, value: 1 }, { cart_value: 2 }],
    ['unknown keys go to metadata as strings', { cart_value: 1, shipping: 5, gift: true, extra: { a: 1 } }, { cart_value: 1, metadata: { shipping: '5', gift: 'true', extra: '{"a":1}' } }],
    ['metadata object merged', { metadata: { a: 1, b: 'x' }, z: 'y' }, { metadata: { a: '1', b: 'x', z: 'y' } }],
    ['null values skipped', { cart_value: null, promo: null }, {}],
    ['email is not cart data', { cart_value: 5, email: 'a@b.co' }, { cart_value: 5 }],
    ['promo number as string', { promo: 2024 }, { promo: '2024' }],
  ])('%s', (_name, input, expected) => {
    expect(run(normalizeCartData, input).value).toEqual(expected);
  });

  it('rounds a money value that is not whole, with a warning', () => {
    const { value, warnings } = run(normalizeCartData, { cart_value: '45.99' });
    expect(value).toEqual({ cart_value: 46 });
    expect(warnings).toEqual(['cart_value: rounded 45.99 to 46']);
  });

  it.each([['$45.99'], ['abc'], [''], [[1]], [{}], [true], [Infinity]])('drops unreadable money %j with a warning', (bad) => {
    const { value, warnings } = run(normalizeCartData, { cart_value: bad, promo: 'X' });
    expect(value).toEqual({ promo: 'X' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^cart_value: dropped/);
  });

  it.each([[null], [42], ['setCartData'], [[1, 2]], [undefined]])('rejects %j as a payload', (bad) => {
    const { value, warnings } = run(normalizeCartData, bad);
    expect(value).toBeUndefined();
    expect(warnings).toEqual(['cart_data: not an object']);
  });
});

describe('normalizeCartItem', () => {
  const item = {
    product_id: 'SKU-1002',
    name: 'Exclusive TV 1002',
    category: ['exclusive-items', 'tv', 'bestsellers'],
    price: 29999,
    item_qty: 3,
    qty_price: 89997,
    product_url: 'https://s.io/p',
    image_url: 'https://s.io/i.jpg',
    description: 'Best TV ever. And exclusive!',
  };

  it('keeps the guide example as it is', () => {
    expect(run(normalizeCartItem, item)).toEqual({ value: item, warnings: [] });
  });

  it.each([
    ['product_id as a number', { product_id: 1002 }, { product_id: '1002' }],
    ['product_id trimmed', { product_id: ' A1 ' }, { product_id: 'A1' }],
    ['category as a string', { product_id: 'a', category: 'tv' }, { product_id: 'a', category: ['tv'] }],
    ['category empty string', { product_id: 'a', category: '' }, { product_id: 'a', category: [] }],
    ['category null', { product_id: 'a', category: null }, { product_id: 'a', category: [] }],
    ['category items as strings', { product_id: 'a', category: [1, 'b', null] }, { product_id: 'a', category: ['1', 'b'] }],
    ['quantities as strings', { product_id: 'a', item_qty: '2', price: '1999', qty_price: '3998.0' }, { product_id: 'a', item_qty: 2, price: 1999, qty_price: 3998 }],
    ['custom params into metadata', { product_id: 'a', my_custom_param_1: 'v1', my_custom_param_2: 101010101 }, { product_id: 'a', metadata: { my_custom_param_1: 'v1', my_custom_param_2: '101010101' } }],
  ])('%s', (_name, input, expected) => {
    expect(run(normalizeCartItem, input).value).toEqual(expected);
  });

  it.each([[{}], [{ product_id: '' }], [{ product_id: null }], [{ product_id: {} }], [{ name: 'x' }]])(
    'drops %j: product_id is required',
    (input) => {
      const { value, warnings } = run(normalizeCartItem, input);
      expect(value).toBeUndefined();
      expect(warnings.at(-1)).toBe('cart_item: product_id is required');
    },
  );

  it('is idempotent', () => {
    const once = run(normalizeCartItem, { product_id: 7, price: '10', category: 'x', color: 'red' }).value;
    expect(run(normalizeCartItem, once).value).toEqual(once);
  });
});

describe('normalizeProduct', () => {
  it('reads stock and price from strings and keeps the shape', () => {
    expect(
      run(normalizeProduct, { product_id: 'SKU-1223', name: 'TV', category: ['tv'], price: '19999', stock: '4', expiration_date: '2027-01-01' }).value,
    ).toEqual({ product_id: 'SKU-1223', name: 'TV', category: ['tv'], price: 19999, stock: 4, expiration_date: '2027-01-01' });
  });

  it('does not accept a cart-only field as its own', () => {
    expect(run(normalizeProduct, { product_id: 'a', item_qty: 2 }).value).toEqual({ product_id: 'a', metadata: { item_qty: '2' } });
  });
});

describe('normalizeCustomer', () => {
  it.each([
    ['the guide example', { age: 23, gender: 'm', language: 'en', name: 'John' }, { age: 23, gender: 'm', language: 'en', first_name: 'John' }],
    ['gender words', { gender: 'Female' }, { gender: 'f' }],
    ['gender male', { gender: 'male' }, { gender: 'm' }],
    ['language with a region', { language: 'en-US' }, { language: 'en' }],
    ['language upper case', { language: 'FR' }, { language: 'fr' }],
    ['age as a string', { age: '49' }, { age: 49 }],
    ['birthdate', { birthdate: '1969-10-26' }, { birthdate: '1969-10-26' }],
    ['tags as a string', { tags: 'vip' }, { tags: ['vip'] }],
    ['tags as an array', { tags: ['a', 'b'] }, { tags: ['a', 'b'] }],
    ['address fields', { address1: '1505 Dogwood Lane', city: 'Tucson', state: 'AZ', postal_code: 85705, country: 'US' }, { address1: '1505 Dogwood Lane', city: 'Tucson', state: 'AZ', postal_code: '85705', country: 'US' }],
    ['email is not a profile field', { email: 'a@b.co', first_name: 'A' }, { first_name: 'A' }],
    ['first_name wins over name', { name: 'J', first_name: 'John' }, { first_name: 'John' }],
  ])('%s', (_name, input, expected) => {
    expect(run(normalizeCustomer, input).value).toEqual(expected);
  });

  it.each([
    ['gender', { gender: 'x' }],
    ['language', { language: 'english' }],
    ['birthdate format', { birthdate: '26/10/1969' }],
    ['birthdate with month 23', { birthdate: '2023-23-01' }],
    ['birthdate with a time', { birthdate: '1969-10-26T00:00:00Z' }],
    ['age', { age: 'old' }],
  ])('drops an invalid %s with a warning', (_name, input) => {
    const { value, warnings } = run(normalizeCustomer, input);
    expect(value).toEqual({});
    expect(warnings).toHaveLength(1);
  });
});
