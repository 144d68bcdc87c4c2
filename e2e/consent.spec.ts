/**
 * Consent in real browsers (e2e/fixtures/consent/): `requireConsent` or `respectGPC` queued
 * before the library loads means nothing at all happens (no `rj` cookie, no `rejoiner:*` storage,
 * no request, no form listener) until `['setConsent', true]`; commands pushed meanwhile wait in
 * memory and are replayed in order; a refusal drops them and later pushes; the Global Privacy
 * Control signal counts as a refusal; a refusal after tracking began stops later commands and
 * deletes the cookie and storage.
 *
 * "Nothing happened" is checked after a bounded wait (the sender batches for a second): no beacon
 * recorded for the site, no request to a beacon URL seen by the page, no cookie, no storage.
 */
import { expect, test, type Page } from '@playwright/test';
import type { WireEvent } from '../src/protocol/types';
import { ofType, received, siteFor, waitForEvents } from './support/beacons';
import { watchErrors } from './support/page';
import { holdsFor } from './support/settle';

const fixture = (name: string, site: string, query = '') => `/e2e/fixtures/consent/${name}.html?site=${site}${query}`;
const PLAIN = '/e2e/fixtures/consent/plain.html';

/** Longer than the sender's batching delay (1 s), so that anything queued would have been sent. */
const QUIET_MS = 2000;

type Command = [string, ...unknown[]];

const push = (page: Page, ...commands: Command[]) =>
  page.evaluate((list) => {
    const queue = (window as unknown as { _rejoiner: { push(...c: unknown[]): unknown } })._rejoiner;
    for (const command of list) queue.push(command);
  }, commands);

const product = (id: string): Command => ['trackProductView', { product_id: id, name: `Product ${id}`, price: 10 }];
const cartItem = (id: string): Command => ['setCartItem', { product_id: id, price: 10, item_qty: 1 }];

const productIdOf = (event: WireEvent) => (event.data as { product_id?: string } | null)?.product_id;
const bySeq = (events: WireEvent[]) => [...events].sort((a, b) => a.seq - b.seq);

interface Watch {
  errors: string[];
  /** Requests the page made to a beacon URL (`/v4/<site>`), whatever their outcome. */
  beacons: string[];
}

const watch = (page: Page): Watch => {
  const seen: Watch = { errors: watchErrors(page), beacons: [] };
  page.on('request', (request) => /\/v4\//.test(request.url()) && seen.beacons.push(request.url()));
  return seen;
};

/** What the library could have left in the browser: the `rj` cookie and `rejoiner:*` storage. */
async function traces(page: Page) {
  return {
    documentCookie: await page.evaluate(() => document.cookie.split('; ').filter((c) => c.startsWith('rj='))),
    cookies: (await page.context().cookies()).filter((c) => c.name == 'rj').map((c) => c.value),
    storage: await page.evaluate(() =>
      [...Object.keys(localStorage), ...Object.keys(sessionStorage)].filter((key) => key.startsWith('rejoiner')),
    ),
  };
}
const NO_TRACES = { documentCookie: [], cookies: [], storage: [] };

/**
 * Waits until the library holds the queue for a consent decision: the extension module has loaded
 * and replaced the queue's push (before that, pushes wait in the plain array anyway).
 */
const gateUp = (page: Page) =>
  page.waitForFunction(() => {
    const queue = (window as unknown as { _rejoiner?: unknown[] })._rejoiner;
    return !!queue && queue.push !== Array.prototype.push;
  });

/** Checks for QUIET_MS that nothing is sent and nothing is stored. */
async function expectNothing(page: Page, site: string, seen: Watch, when: string): Promise<void> {
  await holdsFor(async () => {
    expect(await received(site), `a beacon arrived ${when}`).toEqual([]);
    expect(seen.beacons, `a beacon request was made ${when}`).toEqual([]);
    expect(await traces(page), `a cookie or storage key ${when}`).toEqual(NO_TRACES);
  }, QUIET_MS);
}

/**
 * Types `email` into the field, replacing what it held, and leaves the field (focusout, change).
 * (Cleared first: in Firefox, Playwright's fill appends to what an email field holds.)
 */
async function typeEmail(page: Page, selector: string, email: string): Promise<void> {
  await page.locator(selector).clear();
  await page.locator(selector).fill(email);
  await expect(page.locator(selector)).toHaveValue(email);
  await page.keyboard.press('Tab');
}

const pageErrors = (page: Page) => page.evaluate(() => (window as unknown as { pageErrors: string[] }).pageErrors);

/** The `rj` cookie's visitor id, once the cookie is there. */
const visitorCookie = async (page: Page) => {
  await expect.poll(async () => (await traces(page)).documentCookie).toHaveLength(1);
  return (await traces(page)).documentCookie[0].slice(3).split('.')[0];
};

test.describe('requireConsent before load', () => {
  test('pending: nothing sent or stored; setConsent true replays the held commands in push order, plus the page view', async ({ page }, info) => {
    const site = siteFor(info);
    const seen = watch(page);
    await page.goto(fixture('require', site));
    await gateUp(page);
    await push(page, product('P1'), cartItem('C1'));
    await push(page, product('P2'));
    await push(page, cartItem('C2'));
    await expectNothing(page, site, seen, 'while consent was pending');

    await page.click('#accept');
    const events = bySeq(
      await waitForEvents(site, (all) => ofType(all, 'page_view').length == 1 && ofType(all, 'cart_item').length == 2),
    );
    const held = events.filter((e) => e.type != 'page_view');
    expect(held.map((e) => [e.type, productIdOf(e) ?? null])).toEqual([
      ['product_view', 'P1'],
      ['order_started', null],
      ['cart_item', 'C1'],
      ['product_view', 'P2'],
      ['cart_item', 'C2'],
    ]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const [view] = ofType(events, 'page_view');
    expect(view.data).toMatchObject({ url: page.url(), title: 'Consent required – shop' });
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    // Tracking has begun: the identity cookie is there, with the events' visitor.
    expect(await visitorCookie(page)).toBe(view.visitor);
    expect(seen.errors).toEqual([]);
    expect(await pageErrors(page)).toEqual([]);
  });

  test('commands that cannot be read, queued ahead of requireConsent, neither stop the boot nor skip the consent', async ({ page }, info) => {
    const site = siteFor(info);
    const seen = watch(page);
    await page.goto(fixture('require', site, '&hostile=1'));
    await gateUp(page);
    // One more while consent is pending: the queue's push must not throw.
    const pushed = await page.evaluate(() => {
      const revoked = Proxy.revocable(['trackProductView', { product_id: 'NO' }], {});
      revoked.revoke();
      try {
        (window as unknown as { _rejoiner: { push(...c: unknown[]): unknown } })._rejoiner.push(revoked.proxy);
        return 'ok';
      } catch (error) {
        return String(error);
      }
    });
    expect(pushed).toBe('ok');
    await push(page, product('P1'));
    await expectNothing(page, site, seen, 'while consent was pending');

    await page.click('#accept');
    const events = await waitForEvents(site, (all) => ofType(all, 'page_view').length == 1 && ofType(all, 'product_view').length == 1);
    expect(ofType(events, 'product_view').map(productIdOf)).toEqual(['P1']);
    expect(seen.errors).toEqual([]);
    expect(await pageErrors(page)).toEqual([]);
  });

  test('refused: nothing sent or stored, on this page nor on the next one where the banner remembers the refusal', async ({ page }, info) => {
    const site = siteFor(info);
    const seen = watch(page);
    await page.goto(fixture('require', site));
    await gateUp(page);
    await push(page, product('HELD-1'));
    await page.click('#reject');
    await push(page, product('REFUSED-1'), cartItem('REFUSED-C1'));
    await expectNothing(page, site, seen, 'after the refusal');

    // The next page: the banner pushes the remembered refusal before the library loads.
    await page.goto(fixture('require', site, '&choice=refused&page=2'));
    await gateUp(page);
    await push(page, product('REFUSED-2'), cartItem('REFUSED-C2'));
    await expectNothing(page, site, seen, 'on the next page');

    // And after a reload of it.
    await page.reload();
    await gateUp(page);
    await push(page, product('REFUSED-3'));
    await expectNothing(page, site, seen, 'after a reload');
    expect(seen.errors).toEqual([]);
    expect(await pageErrors(page)).toEqual([]);
  });

  test('refused, then accepted on the same page: tracking starts with the pushes after the acceptance only', async ({ page }, info) => {
    const site = siteFor(info);
    const seen = watch(page);
    await page.goto(fixture('require', site));
    await gateUp(page);
    await push(page, product('HELD-1'));
    await page.click('#reject');
    await push(page, product('REFUSED-1'));
    await page.click('#accept');
    await push(page, product('GRANTED-1'), cartItem('GRANTED-C1'));

    const events = bySeq(await waitForEvents(site, (all) => all.some((e) => productIdOf(e) == 'GRANTED-C1')));
    expect(events.map((e) => [e.type, productIdOf(e) ?? null])).toEqual([
      ['page_view', null],
      ['product_view', 'GRANTED-1'],
      ['order_started', null],
      ['cart_item', 'GRANTED-C1'],
    ]);
    expect(await visitorCookie(page)).toBe(events[0].visitor);
    expect(seen.errors).toEqual([]);
  });

  test('a remembered refusal before load, then accepted: tracking starts with the pushes after the acceptance only', async ({ page }, info) => {
    const site = siteFor(info);
    const seen = watch(page);
    await page.goto(fixture('require', site, '&choice=refused'));
    await gateUp(page);
    await push(page, product('REFUSED-1'));
    await page.click('#accept');
    await push(page, product('GRANTED-1'));

    const events = bySeq(await waitForEvents(site, (all) => all.some((e) => productIdOf(e) == 'GRANTED-1')));
    expect(events.map((e) => [e.type, productIdOf(e) ?? null])).toEqual([
      ['page_view', null],
      ['product_view', 'GRANTED-1'],
    ]);
    expect(await visitorCookie(page)).toBe(events[0].visitor);
    expect(seen.errors).toEqual([]);
  });
});

test.describe('respectGPC before load', () => {
  const gpcOn = () =>
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { configurable: true, enumerable: true, get: () => true });

  test('GPC on: nothing sent or stored', async ({ page }, info) => {
    const site = siteFor(info);
    const seen = watch(page);
    await page.addInitScript(gpcOn);
    await page.goto(fixture('gpc', site));
    expect(await page.evaluate(() => (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl)).toBe(true);
    await gateUp(page);
    await push(page, product('GPC-1'), cartItem('GPC-C1'));
    await expectNothing(page, site, seen, 'with GPC on');
    expect(seen.errors).toEqual([]);
    expect(await pageErrors(page)).toEqual([]);
  });

  test('GPC on, then an explicit setConsent true: tracked from then on', async ({ page }, info) => {
    const site = siteFor(info);
    const seen = watch(page);
    await page.addInitScript(gpcOn);
    await page.goto(fixture('gpc', site));
    await gateUp(page);
    await push(page, product('GPC-1'));
    await push(page, ['setConsent', true]);
    await push(page, product('GRANTED-1'));
    const events = bySeq(await waitForEvents(site, (all) => all.some((e) => productIdOf(e) == 'GRANTED-1')));
    expect(events.map((e) => [e.type, productIdOf(e) ?? null])).toEqual([
      ['page_view', null],
      ['product_view', 'GRANTED-1'],
    ]);
    expect(await visitorCookie(page)).toBe(events[0].visitor);
    expect(seen.errors).toEqual([]);
  });

  test('GPC off: tracked normally', async ({ page }, info) => {
    const site = siteFor(info);
    const seen = watch(page);
    await page.goto(fixture('gpc', site));
    expect(await page.evaluate(() => (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl)).not.toBe(true);
    await push(page, product('P1'), cartItem('C1'));
    const events = bySeq(
      await waitForEvents(site, (all) => all.some((e) => e.type == 'page_view') && all.some((e) => productIdOf(e) == 'C1')),
    );
    expect(events.map((e) => e.type).sort()).toEqual(['cart_item', 'order_started', 'page_view', 'product_view']);
    expect(events.filter((e) => e.type != 'page_view').map((e) => [e.type, productIdOf(e) ?? null])).toEqual([
      ['product_view', 'P1'],
      ['order_started', null],
      ['cart_item', 'C1'],
    ]);
    expect(await visitorCookie(page)).toBe(events[0].visitor);
    expect(seen.errors).toEqual([]);
    expect(await pageErrors(page)).toEqual([]);
  });
});

test.describe('a refusal after tracking began', () => {
  /**
   * Opens the page without consent commands and waits until a first product view was delivered;
   * returns how many beacons the site has received so far.
   */
  async function tracking(page: Page, site: string): Promise<number> {
    await page.goto(fixture('tracking', site));
    await push(page, product('BEFORE-1'));
    await waitForEvents(site, (all) => all.some((e) => e.type == 'page_view') && all.some((e) => productIdOf(e) == 'BEFORE-1'));
    expect((await traces(page)).documentCookie).toHaveLength(1);
    return (await received(site)).length;
  }

  test('later pushes are not sent, the form scanner stops, the cookie and storage are deleted and stay so', async ({ page }, info) => {
    const site = siteFor(info);
    const seen = watch(page);
    const before = await tracking(page, site);

    await page.click('#reject');
    // Applied once the cookie is gone (the consent commands load with the extension module).
    await expect.poll(async () => (await traces(page)).documentCookie).toEqual([]);
    await push(page, product('AFTER-1'), cartItem('AFTER-C1'), ['setCustomerEmail', 'after@example.com']);
    await typeEmail(page, '#newsletter-email', 'typed.after@example.com');
    await holdsFor(async () => {
      expect((await received(site)).slice(before), 'a beacon after the refusal').toEqual([]);
      expect(await traces(page)).toEqual(NO_TRACES);
    }, QUIET_MS);

    // Leaving the page (pagehide, the sender's last chance) writes nothing back either.
    await page.goto(PLAIN);
    await holdsFor(async () => {
      expect(await traces(page)).toEqual(NO_TRACES);
      expect((await received(site)).slice(before), 'a beacon at page hide').toEqual([]);
    }, 500);
    expect(seen.errors).toEqual([]);
  });

  test('commands pushed in the same task as the refusal are not sent either', async ({ page }, info) => {
    const site = siteFor(info);
    const seen = watch(page);
    const before = await tracking(page, site);

    // The banner's click handler pushes the refusal, and the page's own code pushes right after.
    await page.evaluate(() => {
      (document.getElementById('reject') as HTMLButtonElement).click();
      (window as unknown as { _rejoiner: unknown[] })._rejoiner.push(
        ['trackProductView', { product_id: 'SAME-TASK-1' }],
        ['setCartItem', { product_id: 'SAME-TASK-C1', price: 1 }],
      );
    });
    // The refusal is applied when the extension module (which holds the consent commands) has
    // loaded; from then on the cookie is gone. Nothing may be sent meanwhile either: the check
    // below looks at every beacon since the refusal.
    await expect.poll(async () => (await traces(page)).documentCookie).toEqual([]);
    await holdsFor(async () => {
      const after = (await received(site)).slice(before).flatMap((r) => r.body.events ?? []);
      expect(after.map((e) => [e.type, productIdOf(e) ?? null]), 'events sent after the refusal').toEqual([]);
      expect(await traces(page)).toEqual(NO_TRACES);
    }, QUIET_MS);
    expect(seen.errors).toEqual([]);
  });
});

test('the form scanner does not read an email typed before consent; it reads the filled field once consent is given', async ({ page }, info) => {
  const site = siteFor(info);
  const seen = watch(page);
  await page.goto(fixture('newsletter', site));
  await gateUp(page);
  await typeEmail(page, '#newsletter-email', 'jane.shopper@example.com');
  await page.click('#subscribe'); // a click on a control of the form
  await expect(page.locator('#thanks')).toBeVisible();
  await expectNothing(page, site, seen, 'before consent, with an email typed');

  await push(page, ['setConsent', true]);
  const events = await waitForEvents(
    site,
    (all) => all.some((e) => e.type == 'page_view') && all.some((e) => e.type == 'customer_email'),
  );
  expect(ofType(events, 'customer_email').map((e) => e.data)).toEqual([{ email: 'jane.shopper@example.com', source: 'form' }]);

  // The scanner listens from now on: a changed email is read when the field is left.
  await typeEmail(page, '#newsletter-email', 'jane.other@example.com');
  await push(page, product('MARK'));
  const later = await waitForEvents(
    site,
    (all) => all.some((e) => productIdOf(e) == 'MARK') && ofType(all, 'customer_email').length >= 2,
  );
  expect(ofType(bySeq(later), 'customer_email').map((e) => e.data)).toEqual([
    { email: 'jane.shopper@example.com', source: 'form' },
    { email: 'jane.other@example.com', source: 'form' },
  ]);
  expect(ofType(later, 'page_view')).toHaveLength(1);
  expect(seen.errors).toEqual([]);
  expect(await pageErrors(page)).toEqual([]);
});
