/**
 * Click-back tokens (CONTRACTS.md "Click-back attribution"): `_rjt=<token>` in the links of
 * abandonment webhooks. A token names the abandoned session and when it expires, nothing
 * personal, and carries an HMAC-SHA256 (cut to 128 bits) under a key derived from the site's
 * secret, so only this collector can make one and nobody can change the session it names.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WireEvent } from '../../protocol/types';

/**
 * The event type the snippet reports a click-back with (PROTOCOL.md `click_back {token}`). The
 * collector accepts it itself (ingest/check-event.ts) rather than through the shared shapes, so
 * the browser core carries its bytes only where it sends the event.
 */
export const CLICK_BACK = 'click_back' as WireEvent['type'];

/** How long a link of a webhook keeps attributing a return. */
export const CLICK_TOKEN_TTL_MS = 30 * 24 * 3600_000;
/** The query parameter the links carry (and the snippet scrubs from every URL it sends). */
export const CLICK_PARAMETER = '_rjt';
/** A token is far shorter; anything longer is refused without computing a MAC. */
const MAX_TOKEN_CHARS = 400;

/** Derived keys by site secret: a detection tick makes hundreds of tokens for the same site. */
const keys = new Map<string, Buffer>();
const keyOf = (siteSecret: string): Buffer => {
  let key = keys.get(siteSecret);
  if (!key) {
    if (keys.size > 1000) keys.clear(); // secrets change rarely; never let the cache grow without bound
    keys.set(siteSecret, (key = createHmac('sha256', siteSecret).update('rejoiner click-back token v1').digest()));
  }
  return key;
};
const macOf = (siteSecret: string, payload: string): Buffer => createHmac('sha256', keyOf(siteSecret)).update(payload).digest().subarray(0, 16);

/** A token for the abandoned session `session`, valid until `now + ttl`. */
export function makeClickToken(siteSecret: string, session: string, now: number, ttl = CLICK_TOKEN_TTL_MS): string {
  const payload = `${Math.ceil((now + ttl) / 1000).toString(36)}.${session}`;
  return `${Buffer.from(payload).toString('base64url')}.${macOf(siteSecret, payload).toString('base64url')}`;
}

/** The session a token names, or why it is refused (bad form, bad signature, expired). */
export function readClickToken(siteSecret: string, token: string, now: number): { session: string } | { refused: string } {
  if (typeof token != 'string' || token.length > MAX_TOKEN_CHARS) return { refused: 'token: not a click-back token' };
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!match) return { refused: 'token: not a click-back token' };
  const payload = Buffer.from(match[1], 'base64url').toString('utf8');
  const given = Buffer.from(match[2], 'base64url');
  const expected = macOf(siteSecret, payload);
  if (given.length != expected.length || !timingSafeEqual(given, expected)) return { refused: 'token: bad signature' };
  const dot = payload.indexOf('.');
  const expires = parseInt(payload.slice(0, dot), 36) * 1000;
  if (dot < 1 || !Number.isFinite(expires)) return { refused: 'token: not a click-back token' };
  if (expires < now) return { refused: 'token: expired' };
  return { session: payload.slice(dot + 1) };
}

/** `url` with the token added as `_rjt` (replacing one it had), or null when `url` is not an absolute http(s) URL. */
export function withClickToken(url: string | undefined | null, token: string): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol != 'https:' && parsed.protocol != 'http:') return null;
  parsed.searchParams.set(CLICK_PARAMETER, token);
  return parsed.toString();
}
