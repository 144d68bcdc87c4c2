// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { emailOf, isEmailField, isWithin } from '../../src/forms/email-field';
import { useFakeLayout } from './fake-layout';

useFakeLayout();
beforeEach(() => {
  document.body.innerHTML = '';
});

/** Renders `html` and returns its field marked `data-t`. */
const field = (html: string): HTMLInputElement => {
  document.body.innerHTML = html;
  return document.querySelector('[data-t]') as HTMLInputElement;
};

const SHOPPER = 'shopper@example.com';

// [reason, markup]: each field holds SHOPPER (or a spelling of it) and must be read.
const captured: [string, string][] = [
  ['type=email named email', `<input data-t type="email" name="email" value="${SHOPPER}">`],
  ['WooCommerce classic billing_email (autocomplete "email username")', `<label for="billing_email">Email address&nbsp;<abbr>*</abbr></label><input data-t type="email" class="input-text" name="billing_email" id="billing_email" autocomplete="email username" value="${SHOPPER}">`],
  ['WooCommerce blocks: id=email, aria-label only', `<input data-t type="email" id="email" autocomplete="email" aria-label="Email address" value="${SHOPPER}">`],
  ['Magento checkout: type=email named "username"', `<input data-t class="input-text" type="email" name="username" id="customer-email" value="${SHOPPER}">`],
  ['Magento login: login[username]', `<input data-t type="email" name="login[username]" id="email" value="${SHOPPER}">`],
  ['Shopify customer[email]', `<input data-t type="email" name="customer[email]" id="CustomerEmail" autocomplete="email" value="${SHOPPER}">`],
  ['Mailchimp EMAIL / mce-EMAIL', `<label for="mce-EMAIL">Email Address</label><input data-t type="email" name="EMAIL" class="required email" id="mce-EMAIL" value="${SHOPPER}">`],
  ['OpenCart type=text named email', `<input data-t type="text" name="email" id="input-payment-email" placeholder="E-Mail" value="${SHOPPER}">`],
  ['no type attribute (a text input) named email', `<input data-t name="email" value="${SHOPPER}">`],
  ['value trimmed and lower-cased', `<input data-t type="text" name="email" value="  Shopper@Example.COM ">`],
  ['type=text, only its label[for] says E-Mail-Adresse', `<label for="f7">E-Mail-Adresse</label><input data-t type="text" id="f7" name="field_7" value="${SHOPPER}">`],
  ['type=text, a wrapping label says Courriel', `<label>Courriel <input data-t type="text" name="c1" value="${SHOPPER}"></label>`],
  ['type=text, placeholder Correo electrónico', `<input data-t type="text" name="f2" placeholder="Correo electrónico" value="${SHOPPER}">`],
  ['type=text, aria-label Sähköposti', `<input data-t type="text" name="f3" aria-label="Sähköposti" value="${SHOPPER}">`],
  ['type=text, label Indirizzo di posta elettronica', `<label for="f4">Indirizzo di posta elettronica</label><input data-t id="f4" type="text" value="${SHOPPER}">`],
  ['type=text, label E-postadress', `<label for="f5">E-postadress</label><input data-t id="f5" type="text" value="${SHOPPER}">`],
  ['type=text, label Correio eletrônico', `<label for="f6">Correio eletrônico</label><input data-t id="f6" type="text" value="${SHOPPER}">`],
  ['type=text, label Adres poczty e-mail', `<label for="f8">Adres poczty</label><input data-t id="f8" type="text" value="${SHOPPER}">`],
  ['type=text, autocomplete=email only', `<input data-t type="text" name="f9" autocomplete="email" value="${SHOPPER}">`],
  ['login username holding an email (WooCommerce my-account)', `<label for="username">Username or email address</label><input data-t type="text" name="username" id="username" autocomplete="username" value="${SHOPPER}">`],
  ['a login field holding an email', `<label for="l1">Login</label><input data-t type="text" id="l1" name="login" value="${SHOPPER}">`],
  ['a username field by autocomplete only', `<input data-t type="text" name="u1" autocomplete="username" value="${SHOPPER}">`],
  ['prefilled and readonly (logged-in checkout)', `<input data-t type="email" name="email" readonly value="${SHOPPER}">`],
  ['Klaviyo: id email_123, class needsclick', `<input data-t type="email" autocomplete="email" name="email" id="email_123" placeholder="Email" aria-label="Email" class="needsclick" value="${SHOPPER}">`],
  ['BigCommerce gift certificate from_email: the buyer', `<label for="from_email">Your Email</label><input data-t type="text" name="from_email" id="from_email" value="${SHOPPER}">`],
  ['newsletter prose mentions discounts and promos', `<label for="nl">Sign up to get a discount code and promos</label><input data-t type="email" id="nl" name="email" value="${SHOPPER}">`],
  ['inside a visible form nested deep', `<div><form><fieldset><div><input data-t type="email" name="email" value="${SHOPPER}"></div></fieldset></form></div>`],
  ['aria-hidden="false" is not hidden', `<div aria-hidden="false"><input data-t type="email" name="email" value="${SHOPPER}"></div>`],
];

// [reason, markup]: each field holds an email (or what a shopper might type) and must NOT be read.
const refused: [string, string][] = [
  ['a password, even holding an email', `<input data-t type="password" name="email" value="${SHOPPER}">`],
  ['a password shown as text by a toggle', `<input data-t type="text" name="login[password]" value="${SHOPPER}">`],
  ['a hidden input', `<input data-t type="hidden" name="email" value="${SHOPPER}">`],
  ['type=search', `<input data-t type="search" name="email" value="${SHOPPER}">`],
  ['inside role=search', `<form role="search"><input data-t type="email" name="email" value="${SHOPPER}"></form>`],
  ['a search box named q', `<input data-t type="text" name="q" placeholder="Search by email" value="${SHOPPER}">`],
  ['a search box named s', `<input data-t type="text" name="s" placeholder="Search by e-mail" value="${SHOPPER}">`],
  ['named search (BigCommerce nav-quick-search)', `<input data-t type="email" name="nav-quick-search" value="${SHOPPER}">`],
  ['a coupon field: no email word', `<input data-t type="text" name="coupon_code" id="coupon_code" placeholder="Coupon code" value="${SHOPPER}">`],
  ['a promo code field: no email word', `<input data-t class="promo-input" type="text" name="discount_name" placeholder="Promo code" value="${SHOPPER}">`],
  ['a voucher field: no email word', `<input data-t type="text" name="voucher" value="${SHOPPER}">`],
  ['a gift card code', `<input data-t type="text" name="giftcard_code" placeholder="Gift card code" value="${SHOPPER}">`],
  ['a gift card recipient (Magento giftcard_recipient_email)', `<input data-t type="email" name="giftcard_recipient_email" value="${SHOPPER}">`],
  ['Shopify gift card recipient, even with autocomplete=email', `<input data-t class="field__input" autocomplete="email" type="email" id="Recipient-email-x" name="properties[Recipient email]" placeholder="Recipient email" value="${SHOPPER}">`],
  ['OpenCart voucher to_email, label Recipient\'s e-mail', `<label for="input-to-email">Recipient's e-mail</label><input data-t type="text" name="to_email" id="input-to-email" value="${SHOPPER}">`],
  ['BigCommerce to_email without a label', `<input data-t type="email" name="to_email" value="${SHOPPER}">`],
  ['WooCommerce Gift Cards wc_gc_giftcard_to', `<input data-t type="text" name="wc_gc_giftcard_to" placeholder="Enter an email for each recipient" value="${SHOPPER}">`],
  ['a gift email (someone else\'s)', `<input data-t type="email" name="gift_email" value="${SHOPPER}">`],
  ['PW Gift Cards pwgc_to', `<input data-t type="email" name="pwgc_to" value="${SHOPPER}">`],
  ['PrestaShop friend_email', `<input data-t type="email" name="friend_email" value="${SHOPPER}">`],
  ['Magento send-to-friend recipients[email][]', `<input data-t type="email" name="recipients[email][]" value="${SHOPPER}">`],
  ['a label says "Your friend\'s email"', `<label for="e2">Your friend's email</label><input data-t type="email" id="e2" name="email2" value="${SHOPPER}">`],
  ['German label: E-Mail des Empfängers', `<label for="e3">E-Mail des Empfängers</label><input data-t type="email" id="e3" name="email3" value="${SHOPPER}">`],
  ['French label: Courriel du destinataire', `<label for="e4">Courriel du destinataire</label><input data-t type="text" id="e4" name="f" value="${SHOPPER}">`],
  ['Swedish label: Mottagarens e-post', `<label for="e5">Mottagarens e-post</label><input data-t type="text" id="e5" name="f" value="${SHOPPER}">`],
  ['Mailchimp bot field b_… off-screen in aria-hidden', `<div aria-hidden="true" style="position: absolute; left: -5000px;"><input data-t type="text" name="b_abc_def" tabindex="-1" value="${SHOPPER}"></div>`],
  ['a b_… name alone', `<input data-t type="email" name="b_abc_def" value="${SHOPPER}">`],
  ['Akismet ak_hp_ name', `<input data-t type="email" name="ak_hp_email" value="${SHOPPER}">`],
  ['a honeypot name', `<input data-t type="email" name="email_honeypot" value="${SHOPPER}">`],
  ['a "website" honeypot: no email word', `<input data-t type="text" name="website" value="${SHOPPER}">`],
  ['a "url" honeypot: type=url', `<input data-t type="url" name="url" value="${SHOPPER}">`],
  ['off-screen left (position: absolute; left: -5000px)', `<div style="position: absolute; left: -5000px"><input data-t type="email" name="email" value="${SHOPPER}"></div>`],
  ['off-screen top (top: -9999px)', `<input data-t style="position: absolute; top: -9999px" type="email" name="email" value="${SHOPPER}">`],
  ['an aria-hidden ancestor', `<div aria-hidden="true"><input data-t type="email" name="email" value="${SHOPPER}"></div>`],
  ['tabindex=-1', `<input data-t type="email" name="email" tabindex="-1" value="${SHOPPER}">`],
  ['display: none on the field', `<input data-t style="display: none" type="email" name="email" value="${SHOPPER}">`],
  ['display: none on an ancestor', `<div style="display: none"><input data-t type="email" name="email" value="${SHOPPER}"></div>`],
  ['visibility: hidden on an ancestor', `<div style="visibility: hidden"><input data-t type="email" name="email" value="${SHOPPER}"></div>`],
  ['zero width', `<input data-t style="width: 0" type="email" name="email" value="${SHOPPER}">`],
  ['zero height', `<input data-t style="height: 0" type="email" name="email" value="${SHOPPER}">`],
  ['1×1 px (a visually hidden field)', `<input data-t style="width: 1px; height: 1px" type="email" name="email" value="${SHOPPER}">`],
  ['a card number (autocomplete cc-number, Luhn-valid)', `<input data-t type="text" name="cardnumber" autocomplete="cc-number" value="4111111111111111">`],
  ['a card number under an email word', `<input data-t type="text" name="email" value="4111 1111 1111 1111">`],
  ['inside [data-rejoiner-ignore]', `<div data-rejoiner-ignore><input data-t type="email" name="email" value="${SHOPPER}"></div>`],
  ['[data-rejoiner-ignore] on the field', `<input data-t data-rejoiner-ignore type="email" name="email" value="${SHOPPER}">`],
  ['a textarea', `<textarea data-t name="email">${SHOPPER}</textarea>`],
  ['a select', `<select data-t name="email"><option selected>${SHOPPER}</option></select>`],
  ['type=tel', `<input data-t type="tel" name="email" value="${SHOPPER}">`],
  ['not an email', `<input data-t type="text" name="email" value="not-an-email">`],
  ['an email without a domain dot', `<input data-t type="text" name="email" value="shopper@localhost">`],
  ['empty', `<input data-t type="email" name="email" value="">`],
  ['a text field with no email word (a note)', `<input data-t type="text" name="order_comments" placeholder="Notes about your order" value="${SHOPPER}">`],
  ['a username field holding a plain name', `<input data-t type="text" name="username" autocomplete="username" value="shopper">`],
];

describe('emailOf', () => {
  it.each(captured)('reads %s', (_reason, html) => {
    expect(emailOf(field(html))).toBe(SHOPPER);
  });

  it.each(refused)('refuses %s', (_reason, html) => {
    expect(emailOf(field(html))).toBeUndefined();
  });

  it('refuses any element that is not an input, whatever its value', () => {
    const button = field(`<button data-t type="submit" name="email" value="${SHOPPER}">Go</button>`);
    expect(emailOf(button as unknown as HTMLInputElement)).toBeUndefined();
    const form = field(`<form data-t name="email"></form>`);
    expect(emailOf(form as unknown as HTMLInputElement)).toBeUndefined();
  });

  it('refuses a custom element that poses as an email input: only native inputs are read', () => {
    class PosingInput extends HTMLElement {
      type = 'email';
      name = 'email';
      value = SHOPPER;
      placeholder = 'Email';
      labels = [];
    }
    customElements.define('posing-input', PosingInput);
    expect(emailOf(field('<posing-input data-t tabindex="0"></posing-input>'))).toBeUndefined();
  });

  it('reads the value at call time, not at render time', () => {
    const input = field(`<input data-t type="email" name="email">`);
    expect(emailOf(input)).toBeUndefined();
    input.value = 'Later@Example.com';
    expect(emailOf(input)).toBe('later@example.com');
  });
});

describe('isEmailField', () => {
  it('judges the field, not its value: a login name field counts while empty', () => {
    expect(isEmailField(field(`<input data-t type="text" name="username" autocomplete="username">`))).toBe(true);
    expect(isEmailField(field(`<input data-t type="text" name="city">`))).toBe(false);
  });

  it('reads fields inside an open shadow root, with their labels there', () => {
    document.body.innerHTML = '<div id="host"></div>';
    const root = document.getElementById('host')!.attachShadow({ mode: 'open' });
    root.innerHTML = `<label for="s1">E-mail</label><input id="s1" type="text" value="${SHOPPER}">`;
    expect(emailOf(root.getElementById('s1') as HTMLInputElement)).toBe(SHOPPER);
  });

  it('refuses shadow-root fields whose host is inside [data-rejoiner-ignore] or aria-hidden', () => {
    for (const attribute of ['data-rejoiner-ignore', 'aria-hidden="true"']) {
      document.body.innerHTML = `<section ${attribute}><div id="host"></div></section>`;
      const root = document.getElementById('host')!.attachShadow({ mode: 'open' });
      root.innerHTML = `<input type="email" name="email" value="${SHOPPER}">`;
      expect(emailOf(root.querySelector('input')!), attribute).toBeUndefined();
    }
  });
});

describe('isWithin', () => {
  it('matches the node itself and its ancestors', () => {
    const input = field(`<div class="checkout"><form id="f"><input data-t class="mine"></form></div>`);
    expect(isWithin(input, '.mine')).toBe(true);
    expect(isWithin(input, '.checkout')).toBe(true);
    expect(isWithin(input, '#f, .other')).toBe(true);
    expect(isWithin(input, '.newsletter')).toBe(false);
  });

  it('looks through open shadow roots to their hosts', () => {
    document.body.innerHTML = '<div class="signup"><x-form id="host"></x-form></div>';
    const root = document.getElementById('host')!.attachShadow({ mode: 'open' });
    root.innerHTML = '<input>';
    const input = root.querySelector('input')!;
    expect(isWithin(input, '.signup')).toBe(true);
    expect(isWithin(input, 'x-form')).toBe(true);
    expect(isWithin(input, '.checkout')).toBe(false);
  });

  it('is false for no node', () => {
    expect(isWithin(undefined, 'body')).toBe(false);
  });
});
