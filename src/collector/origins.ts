/**
 * Origin allow-lists. An entry is an exact origin, a subdomain pattern whose host starts with
 * "*." (any subdomain, not the bare domain), or "*" for any origin. Pure.
 */

const ORIGIN = /^(https?):\/\/(\*\.)?([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/;

/** The canonical form of an allow-list entry (lower case, no trailing slash), or undefined. */
export function normalizeOriginPattern(entry: string): string | undefined {
  if (entry == '*') return entry;
  const text = entry.trim().toLowerCase().replace(/\/$/, '');
  return ORIGIN.test(text) ? text : undefined;
}

/**
 * True when the `Origin` header value is allowed by `patterns`. "null" (sandboxed frames, file:
 * pages) matches only an explicit "*".
 */
export function isOriginAllowed(patterns: readonly string[], origin: string): boolean {
  const value = origin.toLowerCase();
  for (const pattern of patterns) {
    if (pattern == '*' || pattern == value) return true;
    const star = pattern.indexOf('://*.');
    if (star < 0) continue;
    // "https://*.shop.example" allows "https://a.b.shop.example" but not "https://evilshop.example".
    const scheme = pattern.slice(0, star + 3); // "https://"
    const suffix = pattern.slice(star + 4); // ".shop.example[:port]"
    if (value.startsWith(scheme) && value.endsWith(suffix)) {
      const subdomain = value.slice(scheme.length, value.length - suffix.length);
      if (/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(subdomain)) return true;
    }
  }
  return false;
}
