/**
 * Authentication of both REST generations (REJOINER-API.md):
 * - **Signed** (every base): `Authorization: Rejoiner KEY:SIGNATURE` over VERB, PATH and BODY
 *   (seed 003). PATH is the request target exactly as sent (with its `?query`), or the same
 *   relative to the site's base (`lead/convert`, `customers/?page=2`), which some clients sign.
 * - **Bearer** (Rejoiner2 bases only): `Authorization: Rejoiner TOKEN`, the site's `token` from
 *   the sites file, never its `key`; refused for a site without a token or with
 *   `require_signatures`.
 * - **Custobar** (seed 001): HTTP Basic with the site's key as user and its token as password.
 * - **Loyalty platform** (seed 002): `Authorization: Bearer TOKEN`, the token of the site the
 *   path names.
 * - **HubRise** (seed 004): `X-Access-Token: TOKEN`; the token says which site (account).
 * Comparisons take constant time, and an unknown site answers exactly like a bad credential
 * (a made-up key and secret stand in for it), so the answer tells nothing about which sites
 * exist.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isValidSignature } from '../../node/sign';
import { sameSecret } from '../http/constant-time';
import type { Site, SiteRegistry } from '../sites';
import type { ApiGeneration } from './route-table';

export type AuthResult = { ok: true } | { ok: false; status: 401 | 403; reason: string };
export type DialectAuthResult = { ok: true; site: Site } | { ok: false; status: 401 | 403; reason: string; headers?: Record<string, string> };

const SIGNED = /^Rejoiner\s+([^\s:]+):(\S+)$/;
const BEARER = /^Rejoiner\s+([^\s:]+)$/;
const REFUSED: { ok: false; status: 403; reason: string } = { ok: false, status: 403, reason: 'credentials not valid for this site' };
/** Stands in for an unknown site, so that refusing it costs the same work as refusing a real one. */
const NOBODY = { key: 'unknown-site-key', secret: 'unknown-site-secret', token: 'unknown-site-token-0000000' };

export interface AuthRequest {
  site: Site | undefined;
  api: ApiGeneration;
  method: string;
  /** The request target as sent: path and `?query`. */
  target: string;
  /** The target relative to the site's base (no leading "/"). */
  relativeTarget: string;
  body: Buffer;
  header: string | undefined;
}

export function authenticate({ site, api, method, target, relativeTarget, body, header }: AuthRequest): AuthResult {
  if (!header) return { ok: false, status: 401, reason: 'missing Authorization header: "Rejoiner KEY:SIGNATURE" or, on /api/v1 and /api/v2, "Rejoiner API_KEY"' };
  const credentials = site ?? NOBODY;
  const signed = SIGNED.exec(header.trim());
  if (signed) {
    const [, key, signature] = signed;
    const keyMatches = sameSecret(key, credentials.key);
    // Every form is checked, so the time taken does not tell which one (or whether one) matched.
    const forms = [target, relativeTarget, `/${relativeTarget}`].map((path) => isValidSignature(credentials.secret, method, path, body, signature));
    return site && keyMatches && forms.some(Boolean) ? { ok: true } : REFUSED;
  }
  const bearer = BEARER.exec(header.trim());
  if (bearer && api == 'rejoiner2') {
    const tokenMatches = sameSecret(bearer[1], credentials.token ?? NOBODY.token);
    return site && site.token && !site.require_signatures && tokenMatches ? { ok: true } : REFUSED;
  }
  return REFUSED;
}

const BASIC = /^Basic\s+([A-Za-z0-9+/]+={0,2})$/i;
const BEARER_TOKEN = /^Bearer\s+(\S+)$/i;

/** The site of a dialect request, from its credential (and, for the loyalty platform, its path). */
export function authenticateDialect(
  api: 'custobar' | 'loyalty' | 'hubrise',
  sites: SiteRegistry,
  headers: IncomingHttpHeaders,
  pathSite: string | undefined,
): DialectAuthResult {
  if (api == 'custobar') {
    const challenge = { 'www-authenticate': 'Basic realm="customers", charset="UTF-8"' };
    const basic = BASIC.exec(headers.authorization?.trim() ?? '');
    if (!basic) return { ok: false, status: 401, reason: 'HTTP Basic authentication required: the site key as user, its token as password', headers: challenge };
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const site = colon > 0 ? sites.byKey(decoded.slice(0, colon)) : undefined;
    const tokenMatches = sameSecret(colon > 0 ? decoded.slice(colon + 1) : '', site?.token ?? NOBODY.token);
    return site?.token && tokenMatches ? { ok: true, site } : { ok: false, status: 401, reason: 'credentials not valid', headers: challenge };
  }
  if (api == 'loyalty') {
    const bearer = BEARER_TOKEN.exec(headers.authorization?.trim() ?? '');
    if (!bearer) return { ok: false, status: 401, reason: 'missing Authorization header: "Bearer TOKEN"' };
    const site = pathSite === undefined ? undefined : sites.byId(pathSite);
    const tokenMatches = sameSecret(bearer[1], site?.token ?? NOBODY.token);
    return site?.token && tokenMatches ? { ok: true, site } : REFUSED;
  }
  const token = headers['x-access-token'];
  if (typeof token != 'string' || !token) return { ok: false, status: 401, reason: 'missing X-Access-Token header' };
  const site = sites.byToken(token.trim());
  return site ? { ok: true, site } : { ok: false, status: 401, reason: 'invalid access token' };
}
