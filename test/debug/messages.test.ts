import { describe as group, expect, it } from 'vitest';
import * as codes from '../../src/browser/report-codes';
import { describe, MESSAGES } from '../../src/debug/messages';
import * as warnings from '../../src/protocol/warnings';

const error = new Error('boom');

group('the debug messages', () => {
  // The console output the core printed when these words were still in it.
  it.each([
    [[codes.COMMAND, 'setAccount', 's1'], 'log', ['setAccount', 's1']],
    [[codes.FAILED, 'addPageView', error], 'warn', ['addPageView', 'failed:', error]],
    [[codes.BAD_SITE, null], 'warn', ['bad site', null]],
    [[codes.BAD_DOMAIN, 'http://'], 'warn', ['bad domain', 'http://']],
    [[codes.OUTBOX_FULL, 3], 'warn', ['outbox full', 3]],
    [[codes.SENDING, [1, 2]], 'log', ['send', [1, 2]]],
    [[codes.RETRYING, 503, 750], 'log', [503, 'retry', 750]],
    [[codes.REFUSED, 403], 'warn', ['refused:', 403]],
    [[codes.BOOT_FAILED, error], 'warn', ['boot', error]],
    [[codes.LOG, 'consent:', 'granted'], 'log', ['consent:', 'granted']],
    [[codes.WARN, 'unknown command', 42], 'warn', ['unknown command', 42]],
    [[warnings.ROUNDED, 'cart_value', 45.99, 46], 'warn', ['cart_value: rounded 45.99 to 46']],
    [[warnings.DROPPED, 'email', 'not-an-email'], 'warn', ['email: dropped not-an-email']],
    [[warnings.DROPPED, 'price', { a: 1 }], 'warn', ['price: dropped {"a":1}']],
    [[warnings.NOT_AN_OBJECT, 'cart_item'], 'warn', ['cart_item: not an object']],
    [[warnings.REQUIRED, 'cart_item', 'product_id'], 'warn', ['cart_item: product_id is required']],
    [[error], 'warn', [error]],
    [['free', 'text'], 'warn', ['free', 'text']],
  ])('%j is printed as console.%s of %j', (report, level, values) => {
    expect(describe(report)).toEqual([level, values]);
  });

  it('has words for every code, and no code is used twice', () => {
    const all = [...Object.values(codes), ...Object.values(warnings).filter((value) => typeof value == 'number')];
    expect(new Set(all).size).toBe(all.length);
    for (const code of all) expect(MESSAGES[code as number], `code ${code}`).toBeDefined();
  });
});
