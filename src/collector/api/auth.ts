/**
 * Authentication of both REST generations (REJOINER-API.md):
 * - **Signed** (every base): `Authorization: Rejoiner KEY:SIGNATURE` over VERB, PATH and BODY
 *   (seed 003). PATH is the request target exactly as sent (with its `?query`), or the same
 *   relative to the site's base (`lead/convert`, `customers/?page=2`), which some clients sign.
 * - **Bearer** (Rejoiner2 bases only): `Authorization: Rejoiner TOKEN`, the site's `token` from
 *   the sites file, never its `key`; refused for a site without a token or with
 *   `require_signatures`.
 * Comparisons take constant time, and an unknown site answers exactly like a bad credential
 * (a made-up key and secret stand in for it), so the answer tells nothing about which sites
 * exist.
 */
import { isValidSignature } from '../../node/sign';
import { sameSecret } from '../http/constant-time';
import type { Site } from '../sites';
import type { ApiGeneration } from './route-table';

export type AuthResult = { ok: true } | { ok: false; status: 401 | 403; reason: string };

const SIGNED = /^Rejoiner\s+([^\s:]+):(\S+)$/;
const BEARER = /^Rejoiner\s+([^\s:]+)$/;
const REFUSED: AuthResult = { ok: false, status: 403, reason: 'credentials not valid for this site' };
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
