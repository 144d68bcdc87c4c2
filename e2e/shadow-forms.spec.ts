/**
 * Forms inside open shadow roots (web components, declarative shadow DOM), where the events the
 * scanner reads may never reach the document: `change` and `submit` are not composed, and a
 * focus move within one root is retargeted away before the document. In each test the shopper
 * types an email with the real keyboard, leaves the field in one of the ways people do (Tab or a
 * click to the form's own button, Enter, autofill, nothing at all), then leaves the page by
 * navigation; exactly one `customer_email` with that email must arrive.
 */
import { expect, test, type Page } from '@playwright/test';
import type { WireEvent } from '../src/protocol/types';
import { delivered, ofType, siteFor } from './support/beacons';
import { watchErrors } from './support/page';

const FIXTURE = '/e2e/fixtures/forms/shadow-components.html';
const AWAY = '/e2e/fixtures/delivery/plain.html';

interface FixtureWindow {
  _rejoinerDispatch?: unknown;
  pageErrors: string[];
  posted: number;
  lateReady?: boolean;
}

const emailFor = (what: string, browser: string) => `${what}.${browser}@example.com`;

/** Opens the page; resolves once the library has booted and its idle pass has run. */
async function open(page: Page, site: string): Promise<void> {
  await page.goto(`${FIXTURE}?site=${site}`);
  await page.waitForFunction(() => !!(window as unknown as FixtureWindow)._rejoinerDispatch);
  // Idle callbacks run in the order they were asked for: ours comes after the scanner's.
  await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve)));
}

/** Types like a person: one key at a time into whatever has focus. */
const type = (page: Page, text: string) => page.keyboard.type(text, { delay: 5 });

/**
 * Leaves the page by navigation, then polls until a `customer_email` has arrived and the
 * server has seen nothing more for a second (a second copy would show up), or time is up.
 */
async function leaveAndCollect(page: Page, site: string): Promise<WireEvent[]> {
  const pageErrors = await page.evaluate(() => (window as unknown as FixtureWindow).pageErrors);
  expect(pageErrors).toEqual([]);
  await page.goto(AWAY);
  const until = Date.now() + 10_000;
  let count = -1;
  let since = Date.now();
  for (;;) {
    const events = await delivered(site);
    if (events.length != count) [count, since] = [events.length, Date.now()];
    const emails = ofType(events, 'customer_email');
    if ((emails.length && Date.now() - since > 1000) || Date.now() > until) return emails;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const expectExactly = (emails: WireEvent[], email: string) =>
  expect(emails.map((event) => event.data)).toEqual([{ email, source: 'form' }]);

test.describe('a form in an open shadow root', () => {
  test('Tab from the email field to the form\'s own button, then leave', async ({ page, browserName }, info) => {
    const site = siteFor(info);
    const errors = watchErrors(page);
    const email = emailFor('tab', browserName);
    await open(page, site);

    await page.locator('#newsletter #email').click();
    await type(page, email);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.getElementById('newsletter')!.shadowRoot!.activeElement?.id)).toBe('subscribe');

    expectExactly(await leaveAndCollect(page, site), email);
    expect(errors).toEqual([]);
  });

  test('a click on a type=button button in the same root (no <form>), then leave', async ({ page, browserName }, info) => {
    const site = siteFor(info);
    const errors = watchErrors(page);
    const email = emailFor('click', browserName);
    await open(page, site);

    await page.locator('#login #user').click();
    await type(page, email);
    await page.locator('#login #continue').click();
    expect(await page.evaluate(() => (window as unknown as FixtureWindow).posted)).toBe(1);

    expectExactly(await leaveAndCollect(page, site), email);
    expect(errors).toEqual([]);
  });

  test('Enter in a one-field form without a button (a submit and no click), then leave', async ({ page, browserName }, info) => {
    const site = siteFor(info);
    const errors = watchErrors(page);
    const email = emailFor('enter', browserName);
    await open(page, site);

    await page.locator('#quick #quick-email').click();
    await type(page, email);
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => (window as unknown as FixtureWindow).posted)).toBe(1);

    expectExactly(await leaveAndCollect(page, site), email);
    expect(errors).toEqual([]);
  });

  test('autofill: the browser fills the email while the shopper is in the name field, then leave', async ({ page, browserName }, info) => {
    const site = siteFor(info);
    const errors = watchErrors(page);
    const email = emailFor('autofill', browserName);
    await open(page, site);

    await page.locator('#profile #name').click();
    await type(page, 'Jane Shopper');
    // What autofill does to the other fields of the form: value set, then input and change
    // events that bubble but stay inside the root. Focus stays in the name field.
    await page.evaluate((value) => {
      const field = document.getElementById('profile')!.shadowRoot!.getElementById('mail') as HTMLInputElement;
      field.value = value;
      field.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
      field.dispatchEvent(new Event('change', { bubbles: true }));
    }, email);
    expect(await page.evaluate(() => document.getElementById('profile')!.shadowRoot!.activeElement?.id)).toBe('name');

    expectExactly(await leaveAndCollect(page, site), email);
    expect(errors).toEqual([]);
  });

  test('a form in a root inside another root: Tab to its button, then leave', async ({ page, browserName }, info) => {
    const site = siteFor(info);
    const errors = watchErrors(page);
    const email = emailFor('nested', browserName);
    await open(page, site);

    await page.locator('#panel #inner-email').click();
    await type(page, email);
    await page.keyboard.press('Tab');
    expect(
      await page.evaluate(
        () => document.getElementById('panel')!.shadowRoot!.querySelector('account-login')!.shadowRoot!.activeElement?.id,
      ),
    ).toBe('inner-go');

    expectExactly(await leaveAndCollect(page, site), email);
    expect(errors).toEqual([]);
  });

  test('a root attached after load: a click into it, Tab to its button, then leave', async ({ page, browserName }, info) => {
    const site = siteFor(info);
    const errors = watchErrors(page);
    const email = emailFor('late', browserName);
    await open(page, site);
    await page.waitForFunction(() => (window as unknown as FixtureWindow).lateReady);

    await page.locator('#late #late-email').click();
    await type(page, email);
    await page.keyboard.press('Tab');

    expectExactly(await leaveAndCollect(page, site), email);
    expect(errors).toEqual([]);
  });

  test('a field the page focused before the library loaded: type, Tab to the button, then leave', async ({ page, browserName }, info) => {
    const site = siteFor(info);
    const errors = watchErrors(page);
    const email = emailFor('early', browserName);
    await open(page, site);
    expect(await page.evaluate(() => document.getElementById('early')!.shadowRoot!.activeElement?.id)).toBe('early-email');

    await type(page, email);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.getElementById('early')!.shadowRoot!.activeElement?.id)).toBe('early-go');

    expectExactly(await leaveAndCollect(page, site), email);
    expect(errors).toEqual([]);
  });
});
