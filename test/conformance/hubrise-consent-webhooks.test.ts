/**
 * HubRise's `email_marketing` sends the site's receivers `customer_unsubscribed` / `customer_opted_in`
 * as Rejoiner's unsubscribe and opt-in and Custobar's `can_email` do (README "HubRise customers and
 * loyalty"): once per change of a default-list customer's email permission, on create and update,
 * delivered over real HTTP to a real receiver; none for a restatement, for unknown, for a customer
 * without an email, for a refused write, or for a record of another customer list. Runs on SQLite
 * and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/node/webhooks';
import { signedRequest, startTestCollector, type TestCollector } from '../support/collector';
import { HUBRISE_SITES, hubrise, ok } from '../support/hubrise';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const WEBHOOK_SECRET = 'whsec-hubrise-consent-tests';

let collector: TestCollector;
let receiver: WebhookReceiver;
let url: string;
/** A customer list other than the default, of this file's own. */
let list: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  const [shop, ...others] = HUBRISE_SITES;
  collector = await startTestCollector({
    sites: [{ ...shop, webhooks: [{ url: receiver.url, secret: WEBHOOK_SECRET }] }, ...others],
    automation: { intervalMs: 0, requestTimeoutMs: 1500 },
  });
  url = collector.url;
  list = (await ok(url, 'POST', '/location/customer_lists', { name: 'Newsletter desk' })).id;
});
afterAll(async () => {
  await collector.dispose();
  await receiver.close();
});

/** The automation's clock only moves forward; deliveries enqueued now are due at once. */
let clock = 0;
const deliver = () => collector.automation.tick((clock = Math.max(clock, Date.now())));

/** What the receiver heard about customers of `email`: [type, email permission, customer id]. */
const heard = (email: string) =>
  receiver.received
    .filter((hook) => hook.body.type.startsWith('customer_') && hook.body.data.customer.email == email)
    .map((hook) => [hook.body.type, hook.body.data.customer.consent.email, hook.body.data.customer.id]);

const DEFAULT = '/customer_lists/default/customers';

describe('email_marketing on the default customer list', () => {
  it('sends customer_unsubscribed for a created customer refusing email, then one webhook per change of an update (PATCH and PUT)', async () => {
    const email = 'ines.hubrise@example.com';
    const created = await ok(url, 'POST', DEFAULT, { email, first_name: 'Ines', email_marketing: false });
    await deliver();
    expect(heard(email)).toEqual([['customer_unsubscribed', 'refused', created.id]]);
    const [hook] = receiver.received.filter((received) => received.body.type == 'customer_unsubscribed' && received.body.data.customer.email == email);
    expect(verifyWebhook(WEBHOOK_SECRET, hook.rawBody, hook.headers['x-rejoiner-signature'] as string)).toBe(true);
    expect(hook.body.data.customer).toMatchObject({ id: created.id, email, first_name: 'Ines' });

    // Restated as it was (a sync resends whole records), or another field: nothing new.
    await ok(url, 'PATCH', `${DEFAULT}/${created.id}`, { email_marketing: false });
    await ok(url, 'PUT', `${DEFAULT}/${created.id}`, { last_name: 'Sample', sms_marketing: true });
    await deliver();
    expect(heard(email)).toHaveLength(1);

    await ok(url, 'PUT', `${DEFAULT}/${created.id}`, { email_marketing: true });
    await deliver();
    expect(heard(email)).toEqual([['customer_unsubscribed', 'refused', created.id], ['customer_opted_in', 'granted', created.id]]);

    // Unknown again: nobody said yes or no, nothing to tell; a later yes from unknown is a change.
    await ok(url, 'PATCH', `${DEFAULT}/${created.id}`, { email_marketing: null });
    await deliver();
    expect(heard(email)).toHaveLength(2);
    await ok(url, 'PATCH', `${DEFAULT}/${created.id}`, { email_marketing: true });
    await deliver();
    expect(heard(email).map(([type]) => type)).toEqual(['customer_unsubscribed', 'customer_opted_in', 'customer_opted_in']);
    expect((await ok(url, 'GET', `${DEFAULT}/${created.id}`)).email_marketing).toBe(true);
  });

  it('sends customer_opted_in for a created customer granting email, and nothing for one created without a permission', async () => {
    const yes = 'jon.hubrise@example.com';
    const silent = 'kim.hubrise@example.com';
    const created = await ok(url, 'POST', DEFAULT, { email: yes, email_marketing: true });
    await ok(url, 'POST', DEFAULT, { email: silent, first_name: 'Kim' });
    await deliver();
    expect(heard(yes)).toEqual([['customer_opted_in', 'granted', created.id]]);
    expect(heard(silent)).toEqual([]);
  });

  it('sends nothing for a customer without an email, and sends once it gets one with the permission', async () => {
    const before = receiver.received.length;
    const created = await ok(url, 'POST', DEFAULT, { first_name: 'Lou', phone: '+447700900123', email_marketing: false });
    await ok(url, 'PATCH', `${DEFAULT}/${created.id}`, { email_marketing: true });
    await deliver();
    expect(receiver.received.slice(before).filter((hook) => hook.body.data.customer?.id == created.id)).toEqual([]);
    // The email arrives with a change of the permission: now there is someone to write to.
    const email = 'lou.hubrise@example.com';
    await ok(url, 'PATCH', `${DEFAULT}/${created.id}`, { email, email_marketing: false });
    await deliver();
    expect(heard(email)).toEqual([['customer_unsubscribed', 'refused', created.id]]);
  });

  it('sends nothing for a refused write (422: the default list has a customer of this email)', async () => {
    const email = 'max.hubrise@example.com';
    await ok(url, 'POST', DEFAULT, { email });
    const answer = await hubrise(url, 'POST', DEFAULT, { email, email_marketing: false });
    expect(answer.status).toBe(422);
    await deliver();
    expect(heard(email)).toEqual([]);
  });

  it("changes the same customer as Rejoiner's REST: a HubRise restatement of its unsubscribe sends nothing, its opt-in does", async () => {
    const email = 'nia.hubrise@example.com';
    expect((await signedRequest(url, 'POST', '/api/v1/shop/customer/unsubscribe/', { email })).status).toBe(200);
    await deliver();
    const [found] = await ok(url, 'GET', `${DEFAULT}?email=${email}`);
    expect(found.email_marketing).toBe(false);
    expect(heard(email)).toEqual([['customer_unsubscribed', 'refused', found.id]]);
    await ok(url, 'PATCH', `${DEFAULT}/${found.id}`, { email_marketing: false });
    await deliver();
    expect(heard(email)).toHaveLength(1);
    await ok(url, 'PATCH', `${DEFAULT}/${found.id}`, { email_marketing: true });
    await deliver();
    expect(heard(email)).toEqual([['customer_unsubscribed', 'refused', found.id], ['customer_opted_in', 'granted', found.id]]);
  });
});

describe('email_marketing on another customer list', () => {
  it('sends nothing: its records are not the customer the snippet and Rejoiner know, even with the same email', async () => {
    const email = 'ola.hubrise@example.com';
    const base = `/customer_lists/${list}/customers`;
    const first = await ok(url, 'POST', base, { email, email_marketing: false });
    await ok(url, 'POST', base, { email, email_marketing: true });
    await ok(url, 'PATCH', `${base}/${first.id}`, { email_marketing: true });
    await deliver();
    expect(heard(email)).toEqual([]);
    // The default list's customer of that email is another record: its own change is heard.
    const own = await ok(url, 'POST', DEFAULT, { email, email_marketing: false });
    await deliver();
    expect(heard(email)).toEqual([['customer_unsubscribed', 'refused', own.id]]);
  });
});
