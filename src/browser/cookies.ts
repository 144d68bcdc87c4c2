/**
 * First-party cookies for the identity ids, whose values are plain `[a-z0-9.]` (no encoding). A domain the browser refuses (a public suffix, an IP
 * address, `localhost`) is detected by reading the cookie back, and the library falls back to
 * host-only cookies for the rest of the page.
 */
export const readCookie = (name: string): string | undefined => {
  try {
    return document.cookie.match('(?:^|; )' + name + '=([^;]*)')?.[1];
  } catch {
    return undefined; // sandboxed documents throw on document.cookie
  }
};

export const setCookie = (name: string, value: string, maxAgeSeconds: number, domain?: string): void => {
  try {
    document.cookie =
      `${name}=${value};path=/;max-age=${maxAgeSeconds};SameSite=Lax` +
      (location.protocol == 'https:' ? ';Secure' : '') +
      (domain ? ';domain=' + domain : '');
  } catch {
    // cookies blocked: localStorage and memory keep the ids
  }
};

/**
 * Writes a cookie on `domain` when the browser takes it there, else host-only. Returns the domain
 * that worked so the caller can skip the check next time.
 */
export const writeCookie = (
  name: string,
  value: string,
  maxAgeSeconds: number,
  domain?: string,
): string | undefined => {
  if (domain) {
    setCookie(name, value, maxAgeSeconds, domain);
    if (readCookie(name) == value) return domain;
  }
  setCookie(name, value, maxAgeSeconds);
  return undefined;
};
