import { describe, expect, it } from 'vitest';
import { repairCookieDomain } from '../../src/browser/cookie-domain';

describe('repairCookieDomain', () => {
  it.each([
    ['', 'www.shop.com', undefined],
    [null, 'www.shop.com', undefined],
    ['shop.com', 'www.shop.com', 'shop.com'],
    ['.shop.com', 'www.shop.com', 'shop.com'],
    ['.http://www.shop.com', 'www.shop.com', 'www.shop.com'],
    ['.http://www.shop.com', 'checkout.www.shop.com', 'www.shop.com'],
    ['https://www.shop.com/', 'www.shop.com', 'www.shop.com'],
    ['https://Shop.com:8443/cart?x=1', 'm.shop.com', 'shop.com'],
    ['*.shop.com', 'www.shop.com', 'shop.com'],
    [' .SHOP.COM. ', 'www.shop.com', 'shop.com'],
    ['shop.com', 'shop.com', 'shop.com'],
    ['othershop.com', 'www.shop.com', undefined],
    ['hop.com', 'www.shop.com', undefined],
    ['.http://www.shop.com', 'shop.com', undefined],
    ['http://', 'www.shop.com', undefined],
  ])('%j on %s → %s', (input, host, expected) => {
    expect(repairCookieDomain(input, host)).toBe(expected);
  });
});
