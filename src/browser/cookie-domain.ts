/**
 * Repairs the `setDomain` argument into a cookie domain (pure). Live sites send "", ".shop.com",
 * "shop.com", "https://www.shop.com/" and even ".http://www.shop.com"; all mean "scope the ids to
 * this site". The result is undefined (a host-only cookie) when nothing usable remains or when the
 * page's host is not inside the domain, so ids stay stable either way.
 */
export function repairCookieDomain(input: unknown, host: string): string | undefined {
  const domain = ('' + (input ?? ''))
    .trim()
    .toLowerCase()
    .replace(/^[.*]*([\w+.-]*:\/\/)?[.*]*/, '')
    .split(/[/:?#]/)[0]
    .replace(/\.$/, '');
  return domain && (host == domain || host.endsWith('.' + domain)) ? domain : undefined;
}
