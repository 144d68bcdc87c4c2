/**
 * The pure rules behind the HubRise API (seed 004): list names and locations, points in
 * millionths, customer search patterns and their index ranges, and the answers' times and money.
 */
import { describe, expect, it } from 'vitest';
import { isoInZone, formatMoney } from '../../../src/collector/api/hubrise/json';
import { locationOf, nameClashes } from '../../../src/collector/domain/customer-lists';
import { matchesPattern, planCustomerSearch, prefixEnd, type CustomerCandidate } from '../../../src/collector/domain/customer-search';
import { applyHubrisePatch } from '../../../src/collector/domain/hubrise-customers';
import { formatPoints, parsePoints, withOperation } from '../../../src/collector/domain/loyalty';
import { createCustomerRow, emptyStats } from '../../../src/collector/domain/customer-rules';

describe('customer lists', () => {
  it('map locations {site}-{label} of the site only', () => {
    expect(locationOf('shop', 'shop-1')).toBe('shop-1');
    expect(locationOf('my-shop', 'my-shop-paris2')).toBe('my-shop-paris2');
    for (const id of ['shop', 'shop-', 'shop-A', 'other-1', `shop-${'a'.repeat(17)}`, 'shop-1/2']) expect(locationOf('shop', id)).toBeUndefined();
  });

  it('rule names: unique in a location with the account, and account names unique everywhere', () => {
    expect(nameClashes('shop-1', [{ scope: 'shop-1' }])).toBe(true);
    expect(nameClashes('shop-1', [{ scope: 'shop-2' }])).toBe(false);
    expect(nameClashes('shop-1', [{ scope: 'account' }])).toBe(true);
    expect(nameClashes('account', [{ scope: 'shop-2' }])).toBe(true);
    expect(nameClashes('account', [])).toBe(false);
  });
});

describe('points', () => {
  it.each([
    ['4.2', 4_200_000],
    [4.2, 4_200_000],
    ['-13.5', -13_500_000],
    ['+0.000001', 1],
    ['.5', 500_000],
    ['5.', 5_000_000],
    ['0.1000000', 100_000],
    ['-0', 0],
    ['1000000000', 1e15],
  ])('parse %j as %d millionths', (text, millionths) => expect(parsePoints(text)).toEqual({ millionths }));

  it.each(['0.0000001', '1000000000.1', '1e3', 'abc', '', '1,5', 0.1 + 0.2, Infinity, null, true, '12345678901'])('refuse %j', (value) =>
    expect(parsePoints(value)).toHaveProperty('reason'),
  );

  it.each([
    [13_500_000, '13.5'],
    [0, '0.0'],
    [4_200_000, '4.2'],
    [-4_250_000, '-4.25'],
    [1, '0.000001'],
    [-1, '-0.000001'],
    [100_000_000, '100.0'],
  ])('write %d millionths as %s', (millionths, text) => expect(formatPoints(millionths)).toBe(text));

  it('add a thousand tenths to exactly 100', () => {
    let balance = 0;
    for (let i = 0; i < 1000; i++) balance += (parsePoints('0.1') as { millionths: number }).millionths;
    expect(formatPoints(balance)).toBe('100.0');
  });

  it("move a customer's points statistics", () => {
    const earned = withOperation(emptyStats(), 5_000_000, 10) as ReturnType<typeof emptyStats>;
    expect(earned).toMatchObject({ points_balance: 5_000_000, points_earned: 5_000_000, points_redeemed: 0, last_points_earned_at: 10, last_points_redeemed_at: null });
    expect(withOperation(earned, -2_000_000, 20)).toMatchObject({ points_balance: 3_000_000, points_earned: 5_000_000, points_redeemed: 2_000_000, last_points_redeemed_at: 20 });
    expect(withOperation({ ...earned, points_earned: Number.MAX_SAFE_INTEGER - 1 }, 5, 30)).toHaveProperty('reason');
  });
});

describe('customer searches', () => {
  const candidate = (fields: Partial<CustomerCandidate>): CustomerCandidate => ({ key: 1, id: 'c', email: null, phone_key: null, private_ref: null, status: 'active', ...fields });

  it.each([
    ['*@example.com', 'ann@example.com', true],
    ['*@example.com', 'ann@example.company', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'ac', false],
    ['ab*ba', 'aba', false],
    ['*', 'x', true],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
  ])('%s matches %s: %s', (pattern, value, expected) => expect(matchesPattern(value, { parts: pattern.split('*'), exact: !pattern.includes('*') })).toBe(expected));

  it('bound a prefix by the next string in code point order', () => {
    expect(prefixEnd('+44')).toBe('+45');
    expect(prefixEnd('a\uD7FF')).toBe('a\uE000');
    expect(prefixEnd('a\u{10FFFF}')).toBe('b');
    expect(prefixEnd('\u{10FFFF}')).toBeNull();
  });

  it('read from the narrowest source, and check only what the source does not answer', () => {
    const plan = (filters: Parameters<typeof planCustomerSearch>[0], status = false) => {
      const search = planCustomerSearch(filters, status);
      if ('reason' in search) throw new Error(search.reason);
      return search;
    };
    expect(plan({}).source).toEqual({ by: 'all' });
    expect(plan({}).verify).toBe(false);
    expect(plan({}, true).verify).toBe(true);
    expect(plan({ email: 'Ann@Example.com' })).toMatchObject({ source: { by: 'email', from: 'ann@example.com', exact: true }, verify: false });
    expect(plan({ email: 'ann*' })).toMatchObject({ source: { by: 'email', from: 'ann', to: 'ano', exact: false }, verify: false });
    expect(plan({ email: '*@example.com' })).toMatchObject({ source: { by: 'all' }, verify: true });
    expect(plan({ phone: '+44 20*' })).toMatchObject({ source: { by: 'phone', from: '+4420', to: '+4421' }, verify: false });
    expect(plan({ phone: '0044*' }).source).toMatchObject({ from: '+44' });
    expect(plan({ private_ref: 'R1', email: 'a@b.co' })).toMatchObject({ source: { by: 'private_ref', value: 'R1' }, verify: true });
    const search = plan({ email: '*@example.com', phone: '+44*' });
    expect(search.accepts(candidate({ email: 'a@example.com', phone_key: '+441234' }))).toBe(true);
    expect(search.accepts(candidate({ email: 'a@example.com', phone_key: '+331234' }))).toBe(false);
    expect(plan({}, true).accepts(candidate({ status: 'forgotten' }))).toBe(false);
  });

  it.each([{ email: '*' }, { email: '**' }, { phone: 'call*' }, { phone: '*' }, { private_ref: '' }])('refuse %j', (filters) =>
    expect(planCustomerSearch(filters, false)).toHaveProperty('reason'),
  );
});

describe('customers', () => {
  it('ignore updates of the anonymised fields once anonymised, and still take the others', () => {
    const customer = { ...createCustomerRow('shop', null, 0, 'c1', 'list1'), anonymised: true, profile: { city: 'Paris' } };
    const next = applyHubrisePatch(customer, { email: 'a@b.co', profile: { first_name: 'Back', company: 'X', city: 'Lyon' }, consent: { sms: true } }, 1000);
    expect(next.email).toBeNull();
    expect(next.profile).toEqual({ city: 'Lyon' });
    expect(next.consent.sms).toMatchObject({ state: 'granted', source: 'hubrise' });
    expect(applyHubrisePatch(next, { profile: {}, consent: { sms: null } }, 2000).consent.sms).toBeUndefined();
  });
});

describe('answers', () => {
  it('write times with the offset of the time zone', () => {
    const ms = Date.UTC(2020, 0, 18, 15, 12, 2, 999);
    expect(isoInZone(ms, 'Europe/Paris')).toBe('2020-01-18T16:12:02+01:00');
    expect(isoInZone(Date.UTC(2020, 6, 18, 15, 12, 2), 'Europe/Paris')).toBe('2020-07-18T17:12:02+02:00');
    expect(isoInZone(ms, 'UTC')).toBe('2020-01-18T15:12:02+00:00');
    expect(isoInZone(ms, 'America/St_Johns')).toBe('2020-01-18T11:42:02-03:30');
    expect(isoInZone(ms, 'Asia/Kolkata')).toBe('2020-01-18T20:42:02+05:30');
  });

  it('write money with two decimals and the currency', () => {
    expect(formatMoney(2840, 'GBP')).toBe('28.40 GBP');
    expect(formatMoney(-5, 'EUR')).toBe('-0.05 EUR');
    expect(formatMoney(0, 'USD')).toBe('0.00 USD');
  });
});
