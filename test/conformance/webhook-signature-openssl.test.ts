/**
 * Webhook signatures checked by an implementation that shares nothing with the collector's
 * (CONTRACTS.md "Webhooks"): the header parsed by hand and HMAC-SHA1(secret, "<t>.<raw body>")
 * computed by the openssl command line over the bytes the receiver got. Bodies carry text outside
 * ASCII (a signer that hashed characters instead of UTF-8 bytes would fail here), every type of
 * webhook is checked, and a retried attempt is signed afresh over the same bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireEvent } from '../../src/protocol/types';
import { batchBody, makeEvent, OTHER, postBeacon, SHOP, signedRequest, startTestCollector, type TestCollector } from '../support/collector';
import { opensslHmacSha1, signatureProblem } from '../support/openssl-signature';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const SECRET = 'whsec-openssl-é-🔑';
const MINUTE = 60_000;

let collector: TestCollector;
let receiver: WebhookReceiver;
let clock = 0;
const tick = (ms: number) => collector.automation.tick((clock = Math.max(clock, Date.now()) + ms));

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  collector = await startTestCollector({ sites: [{ ...SHOP, webhooks: [{ url: receiver.url, secret: SECRET }] }, OTHER], automation: { intervalMs: 0 } });
});
afterAll(async () => {
  await collector.dispose();
  await receiver.close();
});

describe('webhook signatures, checked with openssl', () => {
  it('openssl agrees with a published HMAC-SHA1 test vector (RFC 2202, case 2), so the checker itself is right', () => {
    expect(opensslHmacSha1('Jefe', Buffer.from('what do ya want for nothing?'))).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
  });

  it('signs the exact UTF-8 bytes of every webhook type, and each retry afresh over the same bytes', async () => {
    const email = 'zoë.openssl@example.com';
    const event = (type: WireEvent['type'], data: unknown, order: string | null = null): WireEvent =>
      makeEvent({ type, data, visitor: 'v-openssl', session: 's-openssl', order, ts: Date.now(), url: 'https://shop.example/panier' } as Partial<WireEvent>);
    const reply = await postBeacon(
      collector.url,
      batchBody([
        event('cart_item', { product_id: 'SKU-É', name: 'Lampe « Été » 💡 — 東京', price: 4999, item_qty: 1 }, 'o-openssl'),
        event('cart_data', { cart_value: 4999, cart_item_count: 1, return_url: 'https://shop.example/panier?q=été' }, 'o-openssl'),
        event('customer_email', { email, source: 'form' }),
        event('customer_data', { first_name: 'Zoë', last_name: 'Ñúñez' }),
      ]),
    );
    expect(((await reply.json()) as { rejected: unknown[] }).rejected).toEqual([]);

    receiver.script({ status: 503 });
    await tick(31 * MINUTE); // the abandonment, refused once
    await tick(31 * MINUTE); // its retry, after the backoff
    await postBeacon(collector.url, batchBody([event('conversion', {}, 'o-openssl')]));
    await tick(1000);
    expect((await signedRequest(collector.url, 'POST', '/api/v1/shop/customer/unsubscribe/', { email })).status).toBe(200);
    await tick(1000);

    const types = receiver.received.map((hook) => hook.body.type);
    expect(types).toEqual(['cart_abandoned', 'cart_abandoned', 'order_converted', 'customer_unsubscribed']);
    for (const hook of receiver.received) {
      expect(Buffer.byteLength(hook.rawBody)).toBeGreaterThan(hook.rawBody.length); // UTF-8 beyond ASCII, unescaped
      expect(signatureProblem(SECRET, hook.rawBody, hook.headers['x-rejoiner-signature'])).toBeNull();
      expect(signatureProblem(`${SECRET}x`, hook.rawBody, hook.headers['x-rejoiner-signature'])).toMatch(/is not openssl's/);
    }
    const [refused, retried] = receiver.received;
    expect(refused.answered).toBe(503);
    expect(retried.rawBody).toBe(refused.rawBody);
    expect(retried.headers['x-rejoiner-delivery']).toBe(refused.headers['x-rejoiner-delivery']);
    expect(retried.body.data.cart.items[0].name).toBe('Lampe « Été » 💡 — 東京');
    expect(receiver.received[2].body.data.customer).toMatchObject({ email, first_name: 'Zoë', last_name: 'Ñúñez' });
  });
});
