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

  it('reads sites and normalizes their origins', () => {
    expect(parseSites([site])).toEqual([{ ...site, origins: ['https://shop.example'] }]);
  });

  it.each([
    [{ not: 'an array' }, /JSON array/],
    [[null], /sites\[0\]: not an object/],
    [[{ ...site, id: 'bad id!' }], /sites\[0\]\.id/],
    [[{ ...site, origins: 'https://shop.example' }], /origins: expected an array/],
    [[{ ...site, origins: ['shop.example'] }], /is not an origin/],
    [[{ ...site, key: '' }], /key/],
    [[{ ...site, secret: 7 }], /secret/],
    [[site, { ...site, key: 'k2' }], /listed twice/],
    [[site, { ...site, id: 'shop2' }], /used by two sites/],
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
