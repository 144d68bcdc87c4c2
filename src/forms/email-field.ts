/**
 * Decides whether a form field holds the shopper's own email address. Missing one loses a sale;
 * reading a wrong one (a password, a gift recipient, a search box, a bot trap) is a privacy
 * incident, so every doubt answers "no". Reads only the element it is given and the layout of
 * its page (its box, scroll offsets, computed visibility): no timers, storage or listeners.
 */
import { toEmail } from '../protocol/fields';

/**
 * "Email" in the Latin-script languages shops use (e-mail, E-Mail-Adresse, courriel, correo,
 * correio, sähköposti, posta elettronica, e-post(adress), e-posta, e-pošta, poczta), plus login
 * names: a username field counts when its value is an email. Other scripts are left out to save
 * bytes: their shops still name the field "email" or give it `type=email`.
 */
const EMAIL_WORDS = /mail|courriel|corre|po[sšc]z?t|user|login/i;

/**
 * Names, ids and autocomplete tokens of fields that are never the shopper's email: passwords
 * (also when a "show password" toggle makes them text), searches (`q`, `s`), gift cards,
 * "to_email" / "pwgc_to", and bot traps (Mailchimp's `b_…`, Akismet's `ak_hp_…`, honeypots).
 * Fields with neither an email word nor `type=email` (coupon and voucher codes, "website" and
 * "url" traps, card fields) are no candidates in the first place.
 */
const NOT_BY_NAME = /pass|search|^[qs]$|gift|^to_|_to$|honey|hp_|^b_/i;

/**
 * Names or visible words that say the address is someone else's (gift recipient, "send to a
 * friend"). Kept apart from NOT_BY_NAME because shop prose ("Sign up to get a promo code")
 * must not hide a newsletter field.
 */
const SOMEONE_ELSE = /recipient|friend|destinat|empf|mottag/i;

/** Containers whose fields are never read: opted out, searches, and trees hidden from people. */
const IGNORED = '[data-rejoiner-ignore],[role=search],[aria-hidden=true]';

/**
 * Whether `node` or one of its ancestors matches `selector`, looking through open shadow roots
 * to their hosts (so `data-rejoiner-ignore` or a scope on a web component covers its inside).
 */
export const isWithin = (node: Element | undefined, selector: string): boolean => {
  for (; node; node = (node.getRootNode() as ShadowRoot).host) if (node.closest(selector)) return true;
  return false;
};

/**
 * Whether a person can see the field. Bot traps are moved off the page (Mailchimp: left
 * -5000px), shrunk to nothing, `display: none` (zero size) or `visibility: hidden`. Off-page is
 * measured in page coordinates, not the viewport's, so a field scrolled out of view still counts.
 */
const isVisible = (field: HTMLInputElement): boolean => {
  const box = field.getBoundingClientRect();
  return (
    box.width > 1 &&
    box.height > 1 &&
    box.right + scrollX > 0 &&
    box.bottom + scrollY > 0 &&
    getComputedStyle(field).visibility == 'visible'
  );
};

/**
 * Whether `field` is one we may read the shopper's email from: a visible, focusable text or
 * email input outside ignored containers, named or labelled as an email (or a login name), and
 * not a password, search, gift, recipient or bot-trap field. Its value is not looked at.
 */
export function isEmailField(field: HTMLInputElement): boolean {
  // Any element comes here (event targets, form.elements): only text and email inputs count.
  if (field.localName != 'input' || !/^(text|email)$/.test(field.type) || field.tabIndex < 0)
    return false;
  // getAttribute may give null: as "null" it matches none of the words. The type is among the
  // names so that type=email says "email" like any name would.
  const names = [field.name, field.id, field.autocomplete, field.type];
  // `labels` is a list for every text-like input (null only for type=hidden).
  const words =
    names.concat(
      field.placeholder,
      field.getAttribute('aria-label') as string,
      [...field.labels!].map((label) => label.textContent!),
    ) + '';
  return (
    EMAIL_WORDS.test(words) &&
    !names.some((name) => NOT_BY_NAME.test(name)) &&
    !SOMEONE_ELSE.test(words) &&
    !isWithin(field, IGNORED) &&
    isVisible(field)
  );
}

/**
 * The shopper's email held by `input` (trimmed, lower-cased), or undefined. The value is
 * checked first: it is cheap, and most fields fail it before any layout is read. It also makes
 * a card-number check needless: no digit string passes `toEmail`.
 */
export const emailOf = (input: HTMLInputElement): string | undefined => {
  const email = toEmail(input.value);
  return email && isEmailField(input) ? email : undefined;
};
