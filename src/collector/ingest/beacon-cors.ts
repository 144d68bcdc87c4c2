/**
 * CORS of the beacon endpoint. Beacons are CORS-simple (text/plain POST), so browsers normally
 * send no preflight; OPTIONS is answered anyway for clients that add headers.
 *
 * Policy (documented in the README):
 * - An `Origin` in the site's list is echoed in `Access-Control-Allow-Origin` (with `Vary: Origin`).
 * - Any other `Origin` gets 403 and nothing is stored. The 403 still carries the origin in
 *   `Access-Control-Allow-Origin`: it holds no data, and it lets the library read the status and
 *   drop the batch instead of seeing a network error and retrying forever.
 * - No `Origin` at all means a non-browser client (server-to-server, curl): browsers send Origin
 *   on every cross-origin POST and, in Chromium and Firefox, on same-origin POSTs and beacons
 *   too. Such a client could forge any Origin, so refusing it would protect nothing; it is accepted.
 */
import { isOriginAllowed } from '../origins';
import type { Site } from '../sites';

export type OriginVerdict = 'allowed' | 'refused' | 'absent';

/** How the request's origin stands with the site. */
export const judgeOrigin = (site: Site, origin: string | undefined): OriginVerdict =>
  origin === undefined ? 'absent' : isOriginAllowed(site.origins, origin) ? 'allowed' : 'refused';

/** Headers every beacon response carries for `origin`. */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { vary: 'Origin' };
  if (origin !== undefined) headers['access-control-allow-origin'] = origin;
  return headers;
}

/** Extra headers of a successful preflight. */
export function preflightHeaders(requestedHeaders: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-max-age': '86400',
  };
  // Header names only (token characters), so a hostile value cannot inject anything.
  if (requestedHeaders && /^[\w-]+(\s*,\s*[\w-]+)*$/.test(requestedHeaders.trim()))
    headers['access-control-allow-headers'] = requestedHeaders.trim();
  return headers;
}
