/**
 * The request signature of Rejoiner's REST API (seed 003, "Authorization header structure"):
 * base64(HMAC-SHA1(secret, VERB + "\n" + PATH + "\n" + BODY)). Shared by the server client,
 * which signs, and the collector, which verifies.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The raw HMAC-SHA1 digest of a request; `body` may be a string (UTF-8) or the received bytes. */
export function signDigest(secret: string, verb: string, path: string, body: string | Uint8Array): Buffer {
  return createHmac('sha1', secret)
    .update(`${verb}\n${path}\n`, 'utf8')
    .update(typeof body == 'string' ? Buffer.from(body, 'utf8') : body)
    .digest();
}

/**
 * The signature of one request, base64-encoded as it goes into the header.
 * @param secret the site's API secret
 * @param verb the upper-case HTTP method, e.g. "POST"
 * @param path the request path as sent, starting with "/", with the query string when there is one
 * @param body the exact request body; "" for GET
 */
export function sign(secret: string, verb: string, path: string, body: string | Uint8Array): string {
  return signDigest(secret, verb, path, body).toString('base64');
}

/** The `Authorization` header value: `Rejoiner KEY:SIGNATURE`. */
export function authorizationHeader(
  key: string,
  secret: string,
  verb: string,
  path: string,
  body: string | Uint8Array,
): string {
  return `Rejoiner ${key}:${sign(secret, verb, path, body)}`;
}

/**
 * True when `signature` (base64) is the signature of the request, compared in constant time so
 * that response timing does not reveal how many leading bytes of a guess were right.
 */
export function isValidSignature(
  secret: string,
  verb: string,
  path: string,
  body: string | Uint8Array,
  signature: string,
): boolean {
  const expected = signDigest(secret, verb, path, body);
  // Buffer.from(base64) ignores junk characters; re-encoding catches a non-canonical form.
  const given = Buffer.from(signature, 'base64');
  if (given.length != expected.length || given.toString('base64') != signature) return false;
  return timingSafeEqual(given, expected);
}
