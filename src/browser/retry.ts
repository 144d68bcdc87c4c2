/**
 * What to do with a collector's answer and how long to wait before trying again (PROTOCOL.md,
 * "Response"). Pure: no timers, no randomness of its own.
 */

export const FIRST_RETRY_MS = 500;
export const MAX_RETRY_MS = 60_000;
export const MAX_RETRY_AFTER_MS = 300_000;

/** What to do with a batch after a response (numbers: they are cheaper in the bundle). */
export const DONE = 0; // forget it
export const DROP = 1; // forget it with a warning: retrying cannot help
export const SPLIT = 2; // resend it in halves
export const RETRY = 3; // keep it and try again later
export type Outcome = typeof DONE | typeof DROP | typeof SPLIT | typeof RETRY;

/** Status 0 stands for a network error (offline, refused, aborted). */
export const classifyStatus = (status: number): Outcome =>
  status > 199 && status < 300
    ? DONE
    : status == 413
      ? SPLIT
      : status == 0 || status == 408 || status == 429 || status > 499
        ? RETRY
        : DROP;

/**
 * Delay before retry number `attempt` (1, 2, ...): 0.5 s doubling up to 60 s, scaled by a jitter
 * between 50% and 100% so that many browsers do not retry in step, and never shorter than the
 * server's `Retry-After` (capped at 300 s).
 */
export const retryDelayMs = (attempt: number, random: number, retryAfterMs = 0): number =>
  Math.max(
    Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempt - 1)) * (0.5 + random / 2),
    Math.min(retryAfterMs, MAX_RETRY_AFTER_MS),
  );

/**
 * `Retry-After` in ms: delta seconds or an HTTP date. Absent or unreadable gives 0; "0" or a date
 * in the past may give a negative number, which `retryDelayMs` ignores like 0.
 */
export const parseRetryAfter = (header: string | null, now: number): number =>
  +header! * 1000 || Date.parse(header!) - now || 0;
