import { describe, expect, it } from 'vitest';
import { isOriginAllowed, normalizeOriginPattern } from '../../src/collector/origins';
import { createDemoSite, createSiteRegistry, parseSites } from '../../src/collector/sites';

describe('origin allow-lists', () => {
  it.each([
    ['https://shop.example', 'https://shop.example'],
    ['HTTPS://Shop.Example/', 'https://shop.example'],
    ['http://localhost:8787', 'http://localhost:8787'],
    ['https://*.shop.example', 'https://*.shop.example'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
    ['*', '*'],
  ])('reads %s as %s', (entry, pattern) => {
    expect(normalizeOriginPattern(entry)).toBe(pattern);
  });

  it.each(['shop.example', 'https://shop.example/path', 'ftp://shop.example', 'https://*shop.example', 'https://a.*.shop.example', ''])(
    'refuses %s as an entry',
    (entry) => {
      expect(normalizeOriginPattern(entry)).toBeUndefined();
    },
  );

  it.each([
    ['https://shop.example', true],
    ['https://www.shop.example', true],
    ['https://a.b.shop.example', true],
    ['https://shop.example.evil', false],
    ['https://evilshop.example', false],
    ['https://.shop.example', false],
    ['http://www.shop.example', false],
    ['https://www.shop.example:444', false],
    ['null', false],
  ])('with exact and subdomain entries, %s is allowed: %s', (origin, allowed) => {
    expect(isOriginAllowed(['https://shop.example', 'https://*.shop.example'], origin)).toBe(allowed);
  });

  it('allows everything, "null" included, with "*"', () => {
    expect(isOriginAllowed(['*'], 'null')).toBe(true);
    expect(isOriginAllowed([], 'https://shop.example')).toBe(false);
  });
});

describe('sites file', () => {
  const site = { id: 'shop', origins: ['https://shop.example/'], key: 'k', secret: 's' };
  const TOKEN = 'tok_0123456789abcdefghijklmn';

  it('reads sites, normalizes their origins and fills in the documented defaults', () => {
    expect(parseSites([site])).toEqual([
      {
        ...site,
        origins: ['https://shop.example'],
        token: undefined,
        require_signatures: false,
        abandonment_minutes: 30,
        webhooks: [],
        timezone: 'UTC',
        currency: 'USD',
      },
    ]);
  });

  it('reads every field of the contract', () => {
    const [full] = parseSites([
      {
        ...site,
        token: TOKEN,
        require_signatures: true,
        abandonment_minutes: 45,
        webhooks: [{ url: 'https://hooks.shop.example/rejoiner', secret: 'w', events: ['cart_abandoned'] }],
        timezone: 'Europe/Helsinki',
        currency: 'EUR',
      },
    ]);
    expect(full).toMatchObject({ token: TOKEN, require_signatures: true, abandonment_minutes: 45, timezone: 'Europe/Helsinki', currency: 'EUR' });
    expect(full.webhooks).toEqual([{ url: 'https://hooks.shop.example/rejoiner', secret: 'w', events: ['cart_abandoned'] }]);
  });

  it.each([
    [{ not: 'an array' }, /JSON array/],
    [[null], /sites\[0\]: not an object/],
    [[{ ...site, id: 'bad id!' }], /sites\[0\]\.id/],
    [[{ ...site, origins: 'https://shop.example' }], /origins: expected an array/],
    [[{ ...site, origins: ['shop.example'] }], /is not an origin/],
    [[{ ...site, key: '' }], /key/],
    [[{ ...site, secret: 7 }], /secret/],
    // README "Deploy" prints placeholders: one left in place must not become a working secret.
    [[{ ...site, secret: '<secret>' }], /sites\[0\]\.secret: no spaces, "<" or ">"/],
    [[{ ...site, key: '<key>' }], /sites\[0\]\.key: no spaces/],
    [[{ ...site, secret: 'pasted with a space' }], /secret: no spaces/],
    [[{ ...site, token: '<token>' }], /token: at least 24/],
    [[site, { ...site, key: 'k2' }], /listed twice/],
    [[site, { ...site, id: 'shop2' }], /used by two sites/],
    // A typo must not silently switch a rule off.
    [[{ ...site, abandonment_minute: 5 }], /sites\[0\]\.abandonment_minute: unknown field/],
    [[{ ...site, webhooks: [{ url: 'https://x.example', secret: 's', event: [] }] }], /webhooks\[0\]\.event: unknown field/],
    [[{ ...site, token: 'short' }], /token: at least 24/],
    [[{ ...site, token: 'has:colon:0123456789abcdefghij' }], /token: at least 24/],
    [[{ ...site, token: TOKEN }, { ...site, id: 'b', key: 'k2', token: TOKEN }], /token: used by two sites/],
    [[{ ...site, token: TOKEN }, { ...site, id: 'b', key: TOKEN }], /token: must differ from every site's key/],
    [[{ ...site, require_signatures: 'yes' }], /require_signatures/],
    [[{ ...site, abandonment_minutes: 0 }], /abandonment_minutes/],
    [[{ ...site, timezone: 'Mars/Olympus' }], /timezone/],
    [[{ ...site, currency: 'usd' }], /currency/],
    [[{ ...site, webhooks: [{ url: 'ftp://x', secret: 's' }] }], /webhooks\[0\]\.url/],
  ])('refuses %j', (input, message) => {
    expect(() => parseSites(input)).toThrow(message);
  });

  it('builds the demo site for the collector port', () => {
    expect(createDemoSite(9000).origins).toEqual(['http://localhost:9000', 'http://127.0.0.1:9000']);
  });

  it('looks sites up by id and key without touching Object.prototype', () => {
    const registry = createSiteRegistry(parseSites([site]));
    expect(registry.byId('shop')?.key).toBe('k');
    expect(registry.byKey('k')?.id).toBe('shop');
    expect(registry.byId('constructor')).toBeUndefined();
    expect(registry.byKey('__proto__')).toBeUndefined();
  });
});
