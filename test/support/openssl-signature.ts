/**
 * Checks an `X-Rejoiner-Signature` the way a merchant's receiver written without this package
 * would (CONTRACTS.md "Webhooks"): the header read by hand and the HMAC-SHA1 of "<t>.<raw body>"
 * computed by the `openssl` command line (installed by scripts/test.mjs), never by node:crypto or
 * src/node/webhooks.ts, so that a mistake the collector's signer and our own verifier share (the
 * bytes signed, the encoding, the separator) cannot pass unnoticed.
 */
import { execFileSync } from 'node:child_process';

/** Hex HMAC-SHA1 of `message` under `secret`, by `openssl dgst` (the message on stdin, as bytes). */
export function opensslHmacSha1(secret: string, message: Buffer): string {
  const output = execFileSync('openssl', ['dgst', '-sha1', '-hmac', secret, '-r'], { input: message }).toString('utf8');
  // `-r` prints "<hex> *stdin".
  const hex = /^([0-9a-f]{40}) /.exec(output)?.[1];
  if (!hex) throw new Error(`openssl printed no digest: ${output}`);
  return hex;
}

/**
 * Why `header` does not sign `rawBody` (the bytes as received) with `secret` at a time within
 * `toleranceSeconds` of now, or null when it does.
 */
export function signatureProblem(
  secret: string,
  rawBody: Buffer | string,
  header: string | string[] | undefined,
  { toleranceSeconds = 300, nowSeconds = Date.now() / 1000 } = {},
): string | null {
  if (typeof header != 'string') return 'no X-Rejoiner-Signature header';
  const match = /^t=(\d+),sha1=([0-9a-f]{40})$/.exec(header);
  if (!match) return `not of the form t=<unix>,sha1=<hex>: ${header}`;
  const [, t, given] = match;
  if (Math.abs(nowSeconds - Number(t)) > toleranceSeconds) return `timestamp ${t} is more than ${toleranceSeconds} s from now`;
  const body = typeof rawBody == 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const expected = opensslHmacSha1(secret, Buffer.concat([Buffer.from(`${t}.`, 'ascii'), body]));
  return expected == given ? null : `signature ${given} is not openssl's ${expected}`;
}
