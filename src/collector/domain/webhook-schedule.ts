/**
 * When a webhook delivery is tried again (README "Webhooks"), pure: exponential backoff with
 * jitter, `Retry-After` honoured, and a horizon after which the delivery is dead-lettered.
 */

/** The first retry waits about this long; each further one twice as long. */
export const FIRST_RETRY_MS = 30_000;
/** No wait between two attempts is longer than this. */
export const MAX_RETRY_MS = 3600_000;
/** A delivery not acknowledged this long after it was created is dead-lettered. */
export const DELIVERY_HORIZON_MS = 24 * 3600_000;
/** A node that claimed a delivery owns it this long beyond its request timeout; then another may try. */
export const LEASE_MARGIN_MS = 30_000;

/** The wait after failed attempt number `attempt` (1 for the first), with jitter drawn from `random()` in [0, 1). */
export function backoffMs(attempt: number, random: () => number): number {
  const full = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempt - 1, 20));
  // "Equal jitter": at least half the wait, so retries spread out but never bunch at zero.
  return Math.round(full / 2 + (random() * full) / 2);
}

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The next attempt's time after a failure, or 'dead' when it would fall beyond the horizon. */
export function nextAttempt(
  input: { attempt: number; deadline: number; now: number; retryAfter?: number },
  random: () => number,
): number | 'dead' {
  const wait = Math.max(backoffMs(input.attempt, random), input.retryAfter ?? 0);
  const at = input.now + wait;
  return at > input.deadline ? 'dead' : at;
}
