import { describe, expect, it } from 'vitest';
import { checkEvent, MAX_ID_CHARS } from '../../src/collector/ingest/check-event';
import { MAX_URL_CHARS } from '../../src/collector/ingest/event-limits';

const NOW = 1763700000000;

const valid = {
  id: 'e1',
  seq: 0,
  type: 'cart_item',
  ts: 1763700000000,
  visitor: 'v',
  session: 's',
  order: 'o',
  url: '',
  data: { product_id: 7, price: '19.99', colour: 'red' },
};

describe('checkEvent', () => {
  it('returns the envelope unchanged and the data normalized', () => {
    const check = checkEvent({ ...valid, extra: 'dropped' }, 0, NOW);
    expect(check).toEqual({
      ok: true,
      event: { ...valid, data: { product_id: '7', price: 20, metadata: { colour: 'red' } } },
    });
  });

  it.each([
    ['id too long', { id: 'x'.repeat(MAX_ID_CHARS + 1) }, /^id:/],
    ['seq negative', { seq: -1 }, /^seq:/],
    ['seq fractional', { seq: 1.5 }, /^seq:/],
    ['ts infinite', { ts: Infinity }, /^ts:/],
    ['session empty', { session: '' }, /^session:/],
    ['order missing', { order: undefined }, /^order:/],
    ['url not a string', { url: 7 }, /^url:/],
    ['type inherited from Object.prototype', { type: 'toString' }, /^type:/],
  ])('rejects %s', (_name, change, reason) => {
    const check = checkEvent({ ...valid, ...change }, 0, NOW);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it('rejects data whose reading throws instead of throwing itself', () => {
    const data = {
      get product_id(): string {
        throw new Error('hostile getter');
      },
    };
    expect(checkEvent({ ...valid, data }, 3, NOW)).toEqual({ ok: false, id: 'e1', reason: 'data: could not be read' });
  });

  it('names the position of an event that is not an object', () => {
    expect(checkEvent([valid], 4, NOW)).toEqual({ ok: false, id: '', reason: 'events[4]: not an object' });
  });

  it('cuts an envelope URL over 8,192 characters and keeps the event', () => {
    const check = checkEvent({ ...valid, url: 'u'.repeat(MAX_URL_CHARS + 5) }, 0, NOW);
    expect(check.ok && check.event.url.length).toBe(MAX_URL_CHARS);
  });

  it('clamps a time more than a day ahead to the arrival time, and keeps a week-old one', () => {
    const future = checkEvent({ ...valid, ts: 1e300 }, 0, NOW);
    expect(future.ok && future.event.ts).toBe(NOW);
    const old = checkEvent({ ...valid, ts: NOW - 7 * 24 * 3600 * 1000 }, 0, NOW);
    expect(old.ok && old.event.ts).toBe(NOW - 7 * 24 * 3600 * 1000);
  });
});
