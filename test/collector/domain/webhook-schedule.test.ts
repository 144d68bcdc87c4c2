import { describe, expect, it } from 'vitest';
import { backoffMs, DELIVERY_HORIZON_MS, FIRST_RETRY_MS, MAX_RETRY_MS, nextAttempt, retryAfterMs } from '../../../src/collector/domain/webhook-schedule';

describe('webhook retry schedule', () => {
  it('doubles from 30 s up to 1 h, with jitter between half and all of the wait', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, () => 0))).toEqual([15_000, 30_000, 60_000, 120_000]);
    expect([1, 2, 3].map((attempt) => backoffMs(attempt, () => 0.999999))).toEqual([30_000, 60_000, 120_000].map((ms) => Math.round(ms - ms * 0.0000005)));
    expect(backoffMs(30, () => 0.5)).toBe(Math.round(MAX_RETRY_MS * 0.75));
    expect(backoffMs(1, Math.random)).toBeGreaterThanOrEqual(FIRST_RETRY_MS / 2);
  });

  it('reads Retry-After as seconds or an HTTP date, and ignores what it cannot read', () => {
    expect(retryAfterMs('120', 0)).toBe(120_000);
    expect(retryAfterMs(new Date(1_000_000 + 90_000).toUTCString(), 1_000_000)).toBe(90_000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
  });

  it('waits the longer of the backoff and Retry-After, and dead-letters beyond the deadline', () => {
    const deadline = DELIVERY_HORIZON_MS;
    expect(nextAttempt({ attempt: 1, deadline, now: 0, retryAfter: 600_000 }, () => 0)).toBe(600_000);
    expect(nextAttempt({ attempt: 1, deadline, now: 0 }, () => 0)).toBe(15_000);
    expect(nextAttempt({ attempt: 5, deadline, now: deadline - 1000 }, () => 0)).toBe('dead');
    expect(nextAttempt({ attempt: 1, deadline, now: 0, retryAfter: deadline + 1 }, () => 0)).toBe('dead');
  });
});
