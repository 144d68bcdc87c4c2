/**
 * The form scanner against pages modelled on real shop templates (e2e/fixtures/forms/). In each,
 * the shopper's email goes into the right field and decoys into fields that must never be read
 * (passwords, searches, codes, recipients, honeypots, card numbers); the page must then deliver
 * exactly one `customer_email` event `{email, source: 'form'}` and no decoy anywhere.
 */
import { expect, test, type Page } from '@playwright/test';
import type { WireEvent } from '../src/protocol/types';
import { BASE, delivered, ofType, siteFor, waitForEvents } from './support/beacons';

const SHOPPER = 'jane.shopper@example.com';

interface FixtureWindow {
  _rejoiner: { push(...commands: unknown[]): number };
  _rejoinerDispatch?: unknown;
  pageErrors: string[];
  [flag: string]: unknown;
}

/** Opens a fixture and waits until the library has booted and its idle pass has run. */
async function open(page: Page, site: string, fixture: string, query = ''): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`/e2e/fixtures/forms/${fixture}?site=${site}${query}`);
  await page.waitForFunction(() => !!(window as unknown as FixtureWindow)._rejoinerDispatch);
  // Idle callbacks run in the order they were asked for: ours comes after the scanner's.
  await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve)));
  return errors;
}

/**
 * Pushes a marker event and waits for its delivery. Events leave in the order they were
 * queued, so by then everything the page queued before it has been delivered too.
 */
async function settle(page: Page, site: string): Promise<WireEvent[]> {
  const marker = `settle-${Math.random().toString(36).slice(2)}`;
  await page.evaluate(
    (id) => (window as unknown as FixtureWindow)._rejoiner.push(['trackProductView', { product_id: id }]),
    marker,
  );
  return waitForEvents(site, (events) =>
    events.some((e) => e.type == 'product_view' && (e.data as { product_id: string }).product_id == marker),
  );
}

/** Exactly one `customer_email` with `email` (none when undefined), and no decoy anywhere. */
function expectCaptured(events: WireEvent[], email: string | undefined, decoys: string[]): void {
  expect(ofType(events, 'customer_email').map((e) => e.data)).toEqual(email ? [{ email, source: 'form' }] : []);
  const everything = JSON.stringify(events).toLowerCase();
  for (const decoy of decoys) expect(everything, `decoy ${decoy}`).not.toContain(decoy.toLowerCase());
}

async function expectNoPageErrors(page: Page, errors: string[]): Promise<void> {
  expect(errors).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as FixtureWindow).pageErrors)).toEqual([]);
}

/** Settles, then checks the capture, the decoys and the page's errors. */
async function finish(page: Page, site: string, errors: string[], decoys: string[], email: string | null = SHOPPER) {
  const events = await settle(page, site);
  expectCaptured(events, email ?? undefined, decoys);
  await expectNoPageErrors(page, errors);
  return events;
}

test.describe('WooCommerce', () => {
  test('classic checkout: the billing email, not the search, coupon, account password or notes', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'woocommerce-checkout.html');
    const decoys = ['search.decoy@example.net', 'coupon.decoy@example.net', 'password.decoy@example.net', 'notes.decoy@example.net'];

    await page.fill('#woocommerce-product-search-field-0', decoys[0]);
    await page.press('#woocommerce-product-search-field-0', 'Enter');
    await page.click('.showcoupon');
    await page.fill('#coupon_code', decoys[1]);
    await page.click('button[name=apply_coupon]');
    await page.fill('#billing_first_name', 'Jane');
    await page.fill('#billing_last_name', 'Shopper');
    await page.fill('#billing_city', 'Springfield');
    await page.fill('#billing_email', '  Jane.Shopper@Example.com ');
    await page.keyboard.press('Tab');
    await page.check('#createaccount');
    await page.fill('#account_password', decoys[2]);
    await page.fill('#order_comments', `call me at ${decoys[3]}`);
    await page.click('#place_order');

    await finish(page, site, errors, decoys);
  });

  test('block checkout rendered after load: read when its type=button "Place Order" is clicked, nothing while typing', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'woocommerce-blocks.html');
    const decoys = ['coupon.decoy@example.net'];

    await page.fill('#wc-block-components-totals-coupon__input-coupon', decoys[0]);
    await page.press('#wc-block-components-totals-coupon__input-coupon', 'Enter');
    await page.fill('#shipping-first_name', 'Jane');
    await page.locator('#email').pressSequentially(SHOPPER); // key by key, staying in the field
    // Still in the field: nothing read while typing.
    expectCaptured(await settle(page, site), undefined, decoys);

    // A click dispatched on the button, as a script or assistive technology would: the field
    // keeps focus, so no focusout reads it; the click on the form's button does.
    await page.locator('.wc-block-components-checkout-place-order-button').dispatchEvent('click');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('email');
    expect(await page.evaluate(() => (window as unknown as FixtureWindow).placeOrderClicks)).toBe(1);

    await finish(page, site, errors, decoys);
  });

  test('my account: a login username holding an email is read; the password never', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'woocommerce-account.html');
    const decoys = ['password.decoy@example.net'];

    await page.fill('#username', SHOPPER);
    await page.fill('#password', decoys[0]);
    await page.press('#password', 'Enter');

    await finish(page, site, errors, decoys);
  });

  test('logged-in checkout: an email filled in at load is read once the page is idle; hidden and recipient ones are not', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'prefilled.html');
    await waitForEvents(site, (events) => ofType(events, 'customer_email').length > 0);
    await finish(page, site, errors, ['hidden.decoy@example.net', 'gift.recipient@example.net']);
  });
});

test.describe('Magento 2', () => {
  test('checkout: the email of the Knockout-rendered step, not the password or discount code', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'magento-checkout.html');
    const decoys = ['password.decoy@example.net', 'discount.decoy@example.net'];

    await page.fill('#customer-email', SHOPPER);
    await page.keyboard.press('Tab');
    await page.fill('#customer-password', decoys[0]);
    await page.fill('#discount-code', decoys[1]);
    await page.click('#discount-form button.action-apply');
    await page.fill('#co-shipping-form input[name=firstname]', 'Jane');
    await page.fill('#co-shipping-form input[name=lastname]', 'Shopper');
    await page.click('#shipping-method-buttons-container button');

    await finish(page, site, errors, decoys);
  });

  test('newsletter: the subscription leaves the page and the email still arrives; the search box is not read', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'magento-newsletter.html');
    const decoys = ['search.decoy@example.net'];

    await page.fill('#search', decoys[0]);
    await page.press('#search', 'Enter');
    await page.fill('#newsletter', SHOPPER);
    await Promise.all([page.waitForURL(/thanks\.html/), page.click('button.action.subscribe')]);
    await page.waitForFunction(() => !!(window as unknown as FixtureWindow)._rejoinerDispatch);

    await finish(page, site, errors, decoys);
  });

  test('email to a friend: the sender, never the invitee', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'magento-sendfriend.html');
    const decoys = ['friend.decoy@example.net'];

    await page.fill('#sender-email', SHOPPER);
    await page.fill('#sender-message', 'Look at this backpack');
    await page.fill('#recipients-name0', 'Joe');
    await page.fill('#recipients-email0', decoys[0]);
    await page.click('button.action.submit');

    await finish(page, site, errors, decoys);
  });
});

test.describe('Shopify (Dawn)', () => {
  test('login: the customer email, not the password or the search modal', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'shopify-account.html');
    const decoys = ['search.decoy@example.net', 'password.decoy@example.net'];

    await page.fill('#Search-In-Modal', decoys[0]);
    await page.press('#Search-In-Modal', 'Enter');
    await page.fill('#CustomerEmail', SHOPPER);
    await page.fill('#CustomerPassword', decoys[1]);
    await page.press('#CustomerPassword', 'Enter');

    await finish(page, site, errors, decoys);
  });

  test('register: the new customer email, not the password', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'shopify-register.html');
    const decoys = ['password.decoy@example.net'];

    await page.fill('#RegisterForm-FirstName', 'Jane');
    await page.fill('#RegisterForm-LastName', 'Shopper');
    await page.fill('#RegisterForm-email', SHOPPER);
    await page.fill('#RegisterForm-password', decoys[0]);
    await page.click('#create_customer button');

    await finish(page, site, errors, decoys);
  });

  test('footer newsletter', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'shopify-account.html');

    await page.fill('#NewsletterForm--sections--footer', SHOPPER);
    await page.click('#Subscribe');

    await finish(page, site, errors, []);
  });

  test('gift card: the recipient email beside the buyer\'s is never read', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'shopify-gift-card.html');
    const decoys = ['gift.recipient@example.net'];

    await page.check('#Recipient-checkbox-template--1__main');
    await page.fill('#Recipient-email-template--1__main', decoys[0]);
    await page.keyboard.press('Tab');
    await page.fill('#Recipient-name-template--1__main', 'Joe');
    await page.click('#ProductSubmitButton-template--1__main');
    await page.fill('#NewsletterForm--sections--footer', SHOPPER);
    await page.keyboard.press('Enter');

    await finish(page, site, errors, decoys);
  });
});

test('a back-in-stock form with no button, submitted with Enter: read on submit while the field keeps focus', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = await open(page, site, 'back-in-stock.html');

  await page.fill('#bis-email', SHOPPER);
  await page.press('#bis-email', 'Enter');
  await expect(page.locator('.bis-status')).toHaveText('We will let you know.');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('bis-email');

  await finish(page, site, errors, []);
});

test('browser autofill (values set and change fired, no focus) is read; the autofilled password is not', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = await open(page, site, 'shopify-register.html');
  const decoys = ['password.decoy@example.net'];

  await page.evaluate(
    ([email, password]) => {
      const values: Record<string, string> = {
        'RegisterForm-FirstName': 'Jane',
        'RegisterForm-LastName': 'Shopper',
        'RegisterForm-email': email,
        'RegisterForm-password': password,
      };
      for (const id in values) {
        const input = document.getElementById(id) as HTMLInputElement;
        input.value = values[id];
        input.dispatchEvent(new Event('input', { bubbles: true }));
        input.dispatchEvent(new Event('change', { bubbles: true }));
      }
    },
    [SHOPPER, decoys[0]],
  );
  expect(await page.evaluate(() => document.activeElement == document.body)).toBe(true);

  await finish(page, site, errors, decoys);
});

test('PrestaShop checkout: the email with an unassociated label; not the search, promo code, password or friend', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = await open(page, site, 'prestashop-checkout.html');
  const decoys = ['search.decoy@example.net', 'promo.decoy@example.net', 'friend.decoy@example.net', 'password.decoy@example.net'];

  await page.fill('#search_widget input[name=s]', decoys[0]);
  await page.press('#search_widget input[name=s]', 'Enter');
  await page.fill('input[name=discount_name]', decoys[1]);
  await page.click('.promo-code button');
  await page.fill('#friend_name', 'Joe');
  await page.fill('#friend_email', decoys[2]);
  await page.click('#sendEmail'); // type=button inside the friend form: that form is read, and refused
  await page.fill('#customer-form input[name=firstname]', 'Jane');
  await page.fill('#customer-form input[name=lastname]', 'Shopper');
  await page.fill('#customer-form input[name=email]', SHOPPER);
  await page.fill('#customer-form input[name=password]', decoys[3]);
  await page.click('button[name=continue]');

  await finish(page, site, errors, decoys);
});

test('OpenCart guest checkout: a type=text email loaded by AJAX outside any form, with input type=button', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = await open(page, site, 'opencart-checkout.html');
  const decoys = ['search.decoy@example.net', 'coupon.decoy@example.net'];

  await page.fill('#search input[name=search]', decoys[0]);
  await page.fill('#input-coupon', decoys[1]);
  await page.click('#button-coupon');
  await page.fill('#input-payment-firstname', 'Jane');
  await page.fill('#input-payment-email', SHOPPER);
  await page.fill('#input-payment-telephone', '555-0100');
  await page.click('#button-guest');

  await finish(page, site, errors, decoys);
});

test.describe('BigCommerce', () => {
  test('optimized checkout: the customer step email, not the coupon / gift certificate code', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'bigcommerce-checkout.html');
    const decoys = ['coupon.decoy@example.net'];

    await page.fill('#redeemableCode', decoys[0]);
    await page.click('#applyRedeemableButton');
    await page.fill('#email', SHOPPER);
    await page.click('#checkout-customer-continue');

    await finish(page, site, errors, decoys);
  });

  test('gift certificate: "Your Email" is read, "Recipient\'s Email" is not', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'bigcommerce-gift-certificate.html');
    const decoys = ['gift.recipient@example.net'];

    await page.fill('#to_name', 'Joe');
    await page.fill('#to_email', decoys[0]);
    await page.fill('#from_name', 'Jane');
    await page.fill('#from_email', SHOPPER);
    await page.fill('#certificate_amount', '50');
    await page.check('#agree');
    await page.check('#agree2');
    await page.click('input[type=submit]');

    await finish(page, site, errors, decoys);
  });
});

test('Medusa storefront checkout: the client-rendered email, not the promotion code', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = await open(page, site, 'medusa-checkout.html');
  const decoys = ['promo.decoy@example.net'];

  await page.fill('[data-testid=discount-input]', decoys[0]);
  await page.click('[data-testid=discount-apply-button]');
  await page.fill('[data-testid=shipping-first-name-input]', 'Jane');
  await page.fill('[data-testid=shipping-last-name-input]', 'Shopper');
  await page.fill('[data-testid=shipping-email-input]', SHOPPER);
  await page.fill('[data-testid=shipping-phone-input]', '555-0100');
  await page.click('[data-testid=submit-address-button]');

  await finish(page, site, errors, decoys);
});

test('Mailchimp embed: the EMAIL field, never the bot field a script filled', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = await open(page, site, 'mailchimp.html');
  const decoys = ['bot.decoy@example.net'];

  // What a bot does: fill every field, the hidden one too, and fire change.
  await page.evaluate((decoy) => {
    const trap = document.querySelector('input[name^=b_]') as HTMLInputElement;
    trap.value = decoy;
    trap.dispatchEvent(new Event('change', { bubbles: true }));
  }, decoys[0]);
  await page.fill('#mce-EMAIL', SHOPPER);
  await page.fill('#mce-FNAME', 'Jane');
  await page.click('#mc-embedded-subscribe');

  await finish(page, site, errors, decoys);
});

test('Klaviyo embed rendered after load: its type=button Subscribe reads the form; the phone field is not read', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = await open(page, site, 'klaviyo.html');
  const decoys = ['phone.decoy@example.net'];

  await page.fill('input[name=phone_number]', decoys[0]);
  await page.fill('input[name=email]', SHOPPER);
  await page.locator('.klaviyo-form button[type=button]').dispatchEvent('click');
  expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('email');
  expect(await page.evaluate(() => (window as unknown as FixtureWindow).klaviyoSubmits)).toBe(1);

  await finish(page, site, errors, decoys);
});

test('open shadow roots are read (Enter in the field), ignored hosts and closed roots are not', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = await open(page, site, 'shadow.html');
  const decoys = ['ignored.decoy@example.net', 'closed.decoy@example.net', 'promo.decoy@example.net'];

  // Inside data-rejoiner-ignore: typed, left, submitted.
  await page.fill('#ignored-widget #e', decoys[0]);
  await page.keyboard.press('Tab');
  await page.press('#ignored-widget #e', 'Enter');
  // A closed root: the page cannot reach in, and neither may we.
  await page.evaluate((decoy) => {
    const root = (window as unknown as { closedRoot: ShadowRoot }).closedRoot;
    const input = root.getElementById('e') as HTMLInputElement;
    input.focus();
    input.value = decoy;
    input.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
    input.blur();
    (root.querySelector('button') as HTMLButtonElement).click();
  }, decoys[1]);
  // The open widget: the promo code is left by Tab; the email is submitted with Enter, whose
  // implicit click on the submit button is the one event that leaves the shadow root.
  await page.fill('#open-widget #coupon', decoys[2]);
  await page.keyboard.press('Tab');
  await page.fill('#open-widget #e', SHOPPER);
  await page.press('#open-widget #e', 'Enter');

  await finish(page, site, errors, decoys);
});

test('a cross-origin payment iframe is never read; the parent page still reads its own field', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = await open(page, site, 'iframe.html');
  const decoys = ['receipt.decoy@example.net', '4242424242424242'];
  const frame = page.frameLocator('#payment');
  await expect(frame.locator('#receipt-email')).toBeVisible();
  const otherOrigin = `http://127.0.0.1:${Number(new URL(BASE).port) + 1}/`; // the test server's second port
  expect(page.frames().some((f) => f.url().startsWith(otherOrigin))).toBe(true);

  await frame.locator('#receipt-email').fill(decoys[0]);
  await frame.locator('#receipt-email').press('Tab');
  await frame.locator('#cardnumber').fill(decoys[1]);
  await frame.locator('button').click();
  expectCaptured(await settle(page, site), undefined, decoys);

  await page.fill('#checkout-email', SHOPPER);
  await page.click('#checkout button[type=submit]');

  await finish(page, site, errors, decoys);
});

test('honeypots of every kind, filled by a bot script, are never read', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = await open(page, site, 'honeypot.html');
  const traps = ['#wpforms-hp', '#hp-top', '#hp-aria', '#hp-tab', '#hp-none', '#hp-hidden', '#hp-tiny', '#ak_hp_email', '#hp-website'];
  const decoys = traps.map((id) => `${id.slice(1)}.decoy@example.net`);

  await page.evaluate((ids) => {
    for (const id of ids) {
      const trap = document.querySelector(id) as HTMLInputElement;
      trap.value = `${id.slice(1)}.decoy@example.net`;
      trap.dispatchEvent(new Event('change', { bubbles: true }));
      trap.dispatchEvent(new FocusEvent('focusout', { bubbles: true }));
    }
  }, traps);
  await page.fill('#cf-name', 'Jane');
  await page.fill('#cf-email', SHOPPER);
  await page.fill('#cf-message', 'Where is my order?');
  await page.click('#cf-submit');

  await finish(page, site, errors, decoys);
});

test.describe('setFormScan and data-rejoiner-ignore', () => {
  test("['setFormScan', false] reads nothing", async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'scope.html', '&scan=off');

    await page.fill('#nl-email', SHOPPER);
    await page.keyboard.press('Tab');
    await page.click('#newsletter button');

    await finish(page, site, errors, [SHOPPER], null);
  });

  test('a selector scope reads only fields inside it', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'scope.html', `&scan=${encodeURIComponent('.newsletter')}`);
    const decoys = ['contact.decoy@example.net'];

    await page.fill('#contact-email', decoys[0]);
    await page.click('#contact button');
    await page.fill('#nl-email', SHOPPER);
    await page.click('#newsletter button');

    await finish(page, site, errors, decoys);
  });

  test('an invalid selector turns scanning off rather than widening it', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'scope.html', `&scan=${encodeURIComponent('form[')}`);

    await page.fill('#nl-email', SHOPPER);
    await page.click('#newsletter button');

    await finish(page, site, errors, [SHOPPER], null);
  });

  test('turned off and on again after load', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'scope.html');
    const decoys = ['while.off@example.net'];
    const push = (command: unknown[]) =>
      page.evaluate((c) => (window as unknown as FixtureWindow)._rejoiner.push(c), command);

    await push(['setFormScan', false]);
    await page.fill('#contact-email', decoys[0]);
    await page.click('#contact button');
    expectCaptured(await settle(page, site), undefined, decoys);
    await push(['setFormScan', true]);
    await page.fill('#nl-email', SHOPPER);
    await page.click('#newsletter button');

    await finish(page, site, errors, decoys);
  });

  test('fields inside [data-rejoiner-ignore] are never read', async ({ page }, info) => {
    const site = siteFor(info);
    const errors = await open(page, site, 'scope.html');
    const decoys = ['colleague.decoy@example.net'];

    await page.fill('#refer-email', decoys[0]);
    await page.keyboard.press('Tab');
    await page.click('#refer button');
    await page.fill('#nl-email', SHOPPER);
    await page.click('#newsletter button');

    await finish(page, site, errors, decoys);
  });
});

test('each distinct email is sent once per session, however often it is read', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = await open(page, site, 'woocommerce-account.html');

  await page.fill('#reg_email', SHOPPER);
  for (let i = 0; i < 3; i++) {
    await page.focus('#reg_email');
    await page.keyboard.press('Tab');
    await page.click('button[name=register]');
  }
  expect(await page.inputValue('#reg_email')).toBe(SHOPPER);
  await finish(page, site, errors, []);
  expect(ofType(await delivered(site), 'customer_email')).toHaveLength(1);
});
