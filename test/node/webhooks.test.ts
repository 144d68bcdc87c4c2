import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, webhookSignature } from '../../src/node/webhooks';

describe('webhook signatures', () => {
  const body = '{"id":"whd_1","type":"cart_abandoned","created_at":"2026-01-01T00:00:00.000Z","site":"shop","data":{}}';
  const now = 1_763_700_000;

  it('signs "<t>.<raw body>" with HMAC-SHA1 in hex, as the contract says', () => {
    const expected = createHmac('sha1', 'whsec').update(`${now}.${body}`).digest('hex');
    expect(webhookSignature('whsec', body, now)).toBe(`t=${now},sha1=${expected}`);
  });

  it('accepts a fresh signature of the exact bytes, and refuses stale, future, changed or malformed ones', () => {
    const header = webhookSignature('whsec', body, now);
    expect(verifyWebhook('whsec', body, header, { nowSeconds: now + 299 })).toBe(true);
    expect(verifyWebhook('whsec', Buffer.from(body), header, { nowSeconds: now })).toBe(true);
    expect(verifyWebhook('whsec', body, header, { nowSeconds: now + 301 })).toBe(false);
    expect(verifyWebhook('whsec', body, header, { nowSeconds: now - 301 })).toBe(false);
    expect(verifyWebhook('whsec', body, header, { nowSeconds: now + 1000, toleranceSeconds: 1200 })).toBe(true);
    expect(verifyWebhook('whsec', body.replace('shop', 'shoq'), header, { nowSeconds: now })).toBe(false);
    expect(verifyWebhook('other', body, header, { nowSeconds: now })).toBe(false);
    // The timestamp is signed: moving it breaks the signature.
    expect(verifyWebhook('whsec', body, header.replace(`t=${now}`, `t=${now + 1}`), { nowSeconds: now })).toBe(false);
    for (const bad of [undefined, null, '', 'sha1=abc', `t=${now}`, `t=${now},sha1=zz`, 'x'.repeat(2000)])
      expect(verifyWebhook('whsec', body, bad, { nowSeconds: now })).toBe(false);
  });

  it('accepts any of several signatures (a secret being rotated)', () => {
    const [t, fresh] = webhookSignature('new-secret', body, now).split(',');
    const old = webhookSignature('old-secret', body, now).split(',')[1];
    expect(verifyWebhook('new-secret', body, `${t},${old},${fresh}`, { nowSeconds: now })).toBe(true);
    expect(verifyWebhook('third', body, `${t},${old},${fresh}`, { nowSeconds: now })).toBe(false);
  });
});
