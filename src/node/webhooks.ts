/**
 * Webhook signatures (CONTRACTS.md "Webhooks"): `X-Rejoiner-Signature: t=<unix seconds>,
 * sha1=<hex HMAC-SHA1(secret, "<t>.<raw body>")>`. The collector signs each attempt with
 * `webhookSignature`; a merchant's receiver checks it with `verifyWebhook` before trusting
 * the body. The timestamp is signed too, so an old request replayed later is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How old (or how far ahead) a signature's timestamp may be by default, in seconds. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

const digest = (secret: string, timestamp: string, rawBody: string | Uint8Array): Buffer =>
  createHmac('sha1', secret)
    .update(`${timestamp}.`, 'utf8')
    .update(typeof rawBody == 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest();

/** The `X-Rejoiner-Signature` value for `rawBody` sent at `timestampSeconds`. */
export function webhookSignature(secret: string, rawBody: string | Uint8Array, timestampSeconds: number): string {
  const t = String(Math.floor(timestampSeconds));
  return `t=${t},sha1=${digest(secret, t, rawBody).toString('hex')}`;
}

export interface VerifyWebhookOptions {
  /** Largest difference between the signature's time and now, in seconds. @default 300 */
  toleranceSeconds?: number;
  /** The receiver's clock, in unix seconds. @default now */
  nowSeconds?: number;
}

/**
 * Whether `header` (the `X-Rejoiner-Signature` value) signs exactly `rawBody` (the bytes as
 * received, before any JSON parsing) with `secret`, at a time within the tolerance. Compares in
 * constant time; several `sha1=` entries (during a secret rotation) are each tried.
 */
export function verifyWebhook(
  secret: string,
  rawBody: string | Uint8Array,
  header: string | null | undefined,
  { toleranceSeconds = DEFAULT_WEBHOOK_TOLERANCE_SECONDS, nowSeconds = Date.now() / 1000 }: VerifyWebhookOptions = {},
): boolean {
  if (typeof header != 'string' || !secret || header.length > 1000) return false;
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [name, value = ''] = part.trim().split('=', 2);
    if (name == 't' && /^\d{1,12}$/.test(value)) timestamp = value;
    else if (name == 'sha1' && /^[0-9a-f]{40}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || !signatures.length) return false;
  if (!(Math.abs(nowSeconds - Number(timestamp)) <= toleranceSeconds)) return false;
  const expected = digest(secret, timestamp, rawBody);
  let match = false;
  // Every candidate is compared, so the time taken does not say which one matched.
  for (const signature of signatures) match = timingSafeEqual(signature, expected) || match;
  return match;
}
