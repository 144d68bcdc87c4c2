/**
 * Checks `Authorization: Rejoiner KEY:SIGNATURE` (seed 003). The signed PATH is the request
 * target exactly as sent: the path, plus `?query` when there is one (so an export cursor cannot
 * be altered), percent-encoding untouched. Keys and signatures are compared in constant time.
 */
import { isValidSignature } from '../../node/sign';
import { sameSecret } from '../http/constant-time';
import type { Site } from '../sites';

const HEADER = /^Rejoiner\s+([^\s:]+):(\S+)$/;


/** Why the request is not authorized for `site`, or undefined when it is. */
export function authProblem(
  site: Site,
  method: string,
  target: string,
  body: Buffer,
  header: string | undefined,
): string | undefined {
  if (!header) return 'missing Authorization header';
  const match = HEADER.exec(header.trim());
  if (!match) return 'malformed Authorization header, expected "Rejoiner KEY:SIGNATURE"';
  const [, key, signature] = match;
  if (!sameSecret(key, site.key)) return 'API key not valid for this site';
  if (!isValidSignature(site.secret, method, target, body, signature)) return 'signature does not match';
  return undefined;
}
