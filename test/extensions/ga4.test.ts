// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { currencyDigits, mapGa4Event, toMinorUnits, userEmailOf, type CartModel } from '../../src/extensions/ga4';

describe('toMinorUnits', () => {
  it.each([
    [19.99, 2, 1999],
    ['19.99', 2, 1999],
    [0.1 + 0.2, 2, 30],
    [1.005, 2, 101],
    [1.015, 2, 102],
    [10.01, 2, 1001],
    [1999, 0, 1999],
    [1.005, 3, 1005],
    [0, 2, 0],
    [-5.5, 2, -550],
    [1e21, 2, 1e23],
  ])('%j with %i digits → %i', (value, digits, expected) => {
    expect(toMinorUnits(value, digits)).toBe(expected);
  });

  it.each([[''], [null], [undefined], ['abc'], [{}], [[]], [NaN], [Infinity]])('%j → undefined', (value) => {
    expect(toMinorUnits(value, 2)).toBeUndefined();
  });
});

describe('currencyDigits', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KWD', 3],
    [undefined, 2],
    ['not a currency', 2],
  ])('%j → %i', (currency, digits) => {
    expect(currencyDigits(currency)).toBe(digits);
  });
});

const tee = { item_id: 'SKU_12345', item_name: 'Stan and Friends Tee', price: 10.01, quantity: 1, item_brand: 'Google', item_variant: 'green', item_category: 'Apparel', item_category2: 'Adult' };
const mug = { item_id: 'SKU_999', item_name: 'Mug', price: '4.50', quantity: '2' };

describe('mapGa4Event', () => {
  it('maps view_item to a product view with cents, categories and the page URL', () => {
    const { commands, cart } = mapGa4Event('view_item', { currency: 'USD', value: 10.01, items: [tee] }, []);
    expect(commands).toEqual([
      [
        'trackProductView',
        {
          product_id: 'SKU_12345',
          name: 'Stan and Friends Tee',
          price: 1001,
          category: ['Apparel', 'Adult'],
          metadata: { item_brand: 'Google', item_variant: 'green' },
          product_url: location.href,
        },
      ],
    ]);
    expect(cart).toEqual([]);
  });

  it('adds quantities over repeated add_to_cart and reports the whole cart', () => {
    let cart: CartModel = [];
    ({ cart } = mapGa4Event('add_to_cart', { currency: 'USD', items: [tee] }, cart));
    const second = mapGa4Event('add_to_cart', { currency: 'USD', items: [{ ...tee, quantity: 2 }, mug] }, cart);
    expect(second.commands).toEqual([
      ['setCartItem', expect.objectContaining({ product_id: 'SKU_12345', item_qty: 3, price: 1001, qty_price: 3003 })],
      ['setCartItem', { product_id: 'SKU_999', name: 'Mug', price: 450, item_qty: 2, qty_price: 900 }],
      ['setCartData', { cart_value: 3903, cart_item_count: 5 }],
    ]);
    expect(second.cart.map((line) => [line.id, line.qty])).toEqual([
      ['SKU_12345', 3],
      ['SKU_999', 2],
    ]);
  });

  it('subtracts on remove_from_cart and removes a line at zero', () => {
    const { cart } = mapGa4Event('add_to_cart', { items: [{ ...tee, quantity: 3 }, mug] }, []);
    const less = mapGa4Event('remove_from_cart', { items: [{ ...tee, quantity: 1 }] }, cart);
    expect(less.commands).toEqual([
      ['setCartItem', expect.objectContaining({ product_id: 'SKU_12345', item_qty: 2 })],
      ['setCartData', { cart_value: 2902, cart_item_count: 4 }],
    ]);
    const gone = mapGa4Event('remove_from_cart', { items: [mug] }, less.cart);
    expect(gone.commands).toEqual([
      ['removeCartItem', { product_id: 'SKU_999' }],
      ['setCartData', { cart_value: 2002, cart_item_count: 2 }],
    ]);
  });

  it('removes a product the bridge never saw added', () => {
    expect(mapGa4Event('remove_from_cart', { items: [{ item_id: 'X' }] }, []).commands).toEqual([
      ['removeCartItem', { product_id: 'X' }],
      ['setCartData', { cart_value: 0, cart_item_count: 0 }],
    ]);
  });

  it('replaces the cart with the items of view_cart and begin_checkout, sending only what changed', () => {
    const { cart } = mapGa4Event('add_to_cart', { items: [tee, mug] }, []);
    const checkout = mapGa4Event('begin_checkout', { currency: 'USD', value: 19.01, items: [{ ...tee, quantity: 1 }] }, cart);
    expect(checkout.commands).toEqual([
      ['removeCartItem', { product_id: 'SKU_999' }],
      ['setCartData', { cart_value: 1901, cart_item_count: 1 }],
    ]);
    expect(mapGa4Event('view_cart', { items: [] }, cart).cart).toBe(cart);
  });

  it('maps purchase to a conversion with the transaction id as the order number, and empties the cart', () => {
    const { cart } = mapGa4Event('add_to_cart', { items: [tee] }, []);
    const purchase = mapGa4Event(
      'purchase',
      { transaction_id: 'T_12345', currency: 'JPY', value: 3000, coupon: 'SUMMER', items: [{ item_id: 'J1', price: 1500, quantity: 2 }] },
      cart,
    );
    expect(purchase.commands).toEqual([
      [
        'sendConversion',
        {
          cart_data: { cart_value: 3000, cart_item_count: 2, order_number: 'T_12345', promo: 'SUMMER' },
          cart_items: [{ product_id: 'J1', price: 1500, item_qty: 2, qty_price: 3000 }],
        },
      ],
    ]);
    expect(purchase.cart).toEqual([]);
  });

  it('ignores events that are not ecommerce, items without an id, and junk parameters', () => {
    for (const [name, params] of [
      ['page_view', {}],
      ['login', { method: 'Google' }],
      ['view_item', { items: [{ item_name: 'no id' }] }],
      ['view_item', null],
      ['add_to_cart', 'junk'],
      ['remove_from_cart', { items: 'junk' }],
      ['view_cart', { items: [] }],
    ] as const) {
      const before: CartModel = [];
      const result = mapGa4Event(name, params, before);
      expect(result.commands).toEqual([]);
      expect(result.cart).toBe(before);
    }
  });

  it('accepts the Universal Analytics item names id and name', () => {
    const { commands } = mapGa4Event('view_item', { items: [{ id: 42, name: 'Old theme', price: 5 }] }, []);
    expect(commands[0][1]).toMatchObject({ product_id: '42', name: 'Old theme', price: 500 });
  });
});

describe('userEmailOf', () => {
  it.each([
    [{ email: ' Shopper@Example.com ' }, 'shopper@example.com'],
    [{ email_address: 'a@b.example' }, 'a@b.example'],
    [{ email: ['not-an-email', 'second@shop.example'] }, 'second@shop.example'],
    [{ sha256_email_address: 'abcdef0123' }, undefined],
    [{ email: 'nope' }, undefined],
    [null, undefined],
    ['a@b.example', undefined],
  ])('%j → %j', (data, email) => {
    expect(userEmailOf(data)).toBe(email);
  });
});
