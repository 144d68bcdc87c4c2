import { describe, expect, it } from 'vitest';
import { isEventType, normalizeEventData } from '../../src/protocol/events';
import { toEmail } from '../../src/protocol/fields';

const run = (type: Parameters<typeof normalizeEventData>[0], data: unknown) => {
  const warnings: string[] = [];
  return { value: normalizeEventData(type, data, (m) => warnings.push(m)), warnings };
};

describe('toEmail', () => {
  it.each([
    ['  John.Doe@Example.COM ', 'john.doe@example.com'],
    ['a+tag@shop.co.uk', 'a+tag@shop.co.uk'],
    ['x@y.fi', 'x@y.fi'],
  ])('accepts %j', (input, expected) => expect(toEmail(input)).toBe(expected));

  it.each([['john'], ['john@'], ['john@localhost'], ['@shop.com'], ['a b@c.de'], ['a@b..c'], [''], [null], [42], ['a@b.c'.padStart(300, 'x')]])(
    'rejects %j',
    (input) => expect(toEmail(input)).toBeUndefined(),
  );
});

describe('normalizeEventData', () => {
  it('knows exactly the event types of the protocol', () => {
    for (const type of ['page_view', 'product_view', 'cart_data', 'cart_item', 'cart_item_removed', 'cart_cleared', 'order_started', 'conversion', 'customer_email', 'customer_data', 'list_subscription', 'session_metadata'])
      expect(isEventType(type)).toBe(true);
    for (const type of ['toString', 'constructor', 'pageview', '', 1, null]) expect(isEventType(type)).toBe(false);
  });

  it.each([
    ['page_view', { url: 'https://s.io/', title: 'Home', referrer: '' }, { url: 'https://s.io/', title: 'Home', referrer: '' }],
    ['page_view', { url: 'https://s.io/' }, { url: 'https://s.io/' }],
    ['cart_item_removed', { product_id: 12 }, { product_id: '12' }],
    ['cart_item_removed', { product_id: 'A', junk: 1 }, { product_id: 'A', metadata: { junk: '1' } }],
    ['cart_cleared', {}, {}],
    ['order_started', {}, {}],
    ['customer_email', { email: ' A@B.co ', source: 'api' }, { email: 'a@b.co', source: 'api' }],
    ['customer_email', { email: 'a@b.co', source: 'form' }, { email: 'a@b.co', source: 'form' }],
    ['customer_email', { email: 'a@b.co', source: 'other' }, { email: 'a@b.co', source: 'api' }],
    ['list_subscription', { email: 'a@b.co', list_id: 55, first_name: 'Ann' }, { email: 'a@b.co', list_id: '55', first_name: 'Ann' }],
    ['list_subscription', { email: 'a@b.co', list_id: 'news', source: 'footer' }, { email: 'a@b.co', list_id: 'news', source: 'footer' }],
    ['session_metadata', { metadata: { ab: 'B', n: 2 } }, { metadata: { ab: 'B', n: '2' } }],
  ] as const)('%s %j', (type, data, expected) => {
    expect(run(type, data).value).toEqual(expected);
  });

  it.each([
    ['page_view', {}],
    ['page_view', { url: { href: 'x' } }],
    ['page_view', { url: '' }],
    ['cart_item_removed', {}],
    ['customer_email', { email: 'nope' }],
    ['list_subscription', { email: 'a@b.co' }],
    ['list_subscription', { list_id: 'x', email: 'bad' }],
    ['session_metadata', { metadata: 'x' }],
    ['session_metadata', { metadata: {} }],
    ['list_subscription', { email: 'a@b.co', list_id: '' }],
    ['cart_item', { name: 'no id' }],
    ['cart_data', null],
    ['conversion', 'x'],
  ] as const)('drops %s %j with a warning', (type, data) => {
    const { value, warnings } = run(type, data);
    expect(value).toBeUndefined();
    expect(warnings.length).toBeGreaterThan(0);
  });

  describe('conversion', () => {
    it('accepts a bare conversion', () => {
      expect(run('conversion', {}).value).toEqual({});
    });

    it('normalizes the guide example with campaign type as an array', () => {
      const { value } = run('conversion', {
        campaign_type: ['abandonment'],
        cart_data: { cart_value: '79996', cart_item_count: 2, customer_order_number: 'ACID/12113/07/16', promo: 'SUMMERSALE16' },
        cart_items: [
          { product_id: 'SKU-1002', price: 29999, item_qty: 3, qty_price: 89997, category: 'tv', my_custom_param_2: 101010101 },
          { name: 'no id' },
        ],
      });
      expect(value).toEqual({
        campaign_type: 'abandonment',
        cart_data: { cart_value: 79996, cart_item_count: 2, order_number: 'ACID/12113/07/16', promo: 'SUMMERSALE16' },
        cart_items: [{ product_id: 'SKU-1002', price: 29999, item_qty: 3, qty_price: 89997, category: ['tv'], metadata: { my_custom_param_2: '101010101' } }],
      });
    });

    it.each([
      [{ campaign_type: 'conversion' }, { campaign_type: 'conversion' }],
      [{ campaign_ids: [] }, { campaign_ids: [] }],
      [{ campaign_ids: '517e97c518484d2b1a000000' }, { campaign_ids: ['517e97c518484d2b1a000000'] }],
      [{ campaign_ids: ['a', 'b'] }, { campaign_ids: ['a', 'b'] }],
      [{ campaign_id: '1' }, { campaign_ids: ['1'] }],
      [{ cart_items: { product_id: 'x' } }, { cart_items: [{ product_id: 'x' }] }],
    ])('campaign filters %j', (data, expected) => {
      expect(run('conversion', data).value).toEqual(expected);
    });

    it.each([['browse'], [['abandonment', 'conversion']], [[]], [{ toString: 1 }], [[{ toString: 1 }]]])(
      'drops the campaign type %j with a warning: every campaign converts',
      (type) => {
        const { value, warnings } = run('conversion', { campaign_type: type });
        expect(value).toEqual({});
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(/^campaign_type: dropped/);
      },
    );
  });
});
