import { describe, expect, it } from 'vitest';
import { classifyStatus, DONE, DROP, parseRetryAfter, RETRY, retryDelayMs, SPLIT } from '../../src/browser/retry';

describe('classifyStatus', () => {
  it.each([
    [200, DONE],
    [204, DONE],
    [400, DROP],
    [401, DROP],
    [403, DROP],
    [404, DROP],
    [410, DROP],
    [422, DROP],
    [413, SPLIT],
    [0, RETRY],
    [408, RETRY],
    [429, RETRY],
    [500, RETRY],
    [502, RETRY],
    [503, RETRY],
    [504, RETRY],
  ])('status %i: outcome %i', (status, outcome) => {
    expect(classifyStatus(status)).toBe(outcome);
  });
});

describe('retryDelayMs', () => {
  it('starts near 0.5 s and doubles up to 60 s', () => {
    const top = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((attempt) => retryDelayMs(attempt, 1));
    expect(top).toEqual([500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });

  it('jitters between half and the whole delay', () => {
    expect(retryDelayMs(3, 0)).toBe(1000);
    expect(retryDelayMs(3, 0.5)).toBe(1500);
    for (let i = 0; i < 100; i++) {
      const delay = retryDelayMs(4, Math.random());
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(4000);
    }
  });

  it('never retries sooner than Retry-After, capped at 300 s', () => {
    expect(retryDelayMs(1, 1, 30_000)).toBe(30_000);
    expect(retryDelayMs(1, 1, 3_600_000)).toBe(300_000);
    expect(retryDelayMs(9, 1, 1000)).toBe(60_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');
  it.each([
    ['120', 120_000],
    [' 5 ', 5000],
    ['Sun, 22 Nov 2026 10:01:00 GMT', 60_000],
  ])('%j → %i ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });

  // No server delay: the first retry waits the sender's own 250-500 ms.
  it.each([['0'], ['Sun, 22 Nov 2026 09:00:00 GMT'], ['soon'], [''], [null]])('%j adds no delay', (header) => {
    expect(retryDelayMs(1, 1, parseRetryAfter(header, now))).toBe(500);
    expect(retryDelayMs(1, 0, parseRetryAfter(header, now))).toBe(250);
  });
});
