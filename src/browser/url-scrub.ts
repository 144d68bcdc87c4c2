/**
 * Private by default (DESIGN.md, `setUrlScrub`): each page URL the library sends (an event's
 * `url`, a page view's `url` and `referrer`) leaves the page without the query parameters that
 * carry personal data or credentials, and without email addresses anywhere in it.
 */
import { report } from './report';
import { BAD_URL_SCRUB } from './report-codes';

/** The click-back token of CONTRACTS.md: always removed, even with scrubbing off. */
export const CLICK_BACK_PARAMETER = '_rjt';

/**
 * The default list: a parameter whose name contains `mail`, `pass`, `pwd`, `token`, `secret`,
 * `auth` or `phone`, in any case (email, e-mail, password, passwd, access_token, auth_code,
 * phone_number...). README "Privacy" documents it.
 */
const PERSONAL = /mail|pass|pwd|token|secret|auth|phone/i;

/** An email address, also with its `@` percent-encoded. */
const EMAIL = /[\w.+%-]+(@|%40)[\w-]+\.[\w.-]+/g;

/** The names `setUrlScrub` added, as given; false when scrubbing is off. */
let added: string[] | false = [];

/**
 * `['setUrlScrub', [...names]]` adds those names (exact, case-sensitive) to the default list,
 * in place of the names of an earlier call; `['setUrlScrub', false]` keeps URLs as they are,
 * but for `_rjt`.
 */
export const setUrlScrub = (names: unknown): void => {
  // `typeof` first: the minifier turns `=== false` into `== 0`, which '' and 0 would pass.
  if (Array.isArray(names) || (typeof names == 'boolean' && !names)) added = names as string[] | false;
  else report(BAD_URL_SCRUB, names);
};

/** Whether the query parameter `name` leaves the URL. */
const scrubbed = (name: string): unknown =>
  name == CLICK_BACK_PARAMETER || (added && (PERSONAL.test(name) || added.includes(name)));

/**
 * `url` without the scrubbed parameters of its query, and of a query in its fragment (hash
 * routers), and without email addresses unless scrubbing is off. The other parameters keep
 * their text and order; a query whose first parameter went starts at the next one.
 */
export const scrubUrl = (url: string): string => {
  const kept = url.replace(/\?[^#]*/g, (query) =>
    query
      .replace(/[?&]([^=&]*)[^&]*/g, (parameter, name: string) => (scrubbed(name) ? '' : parameter))
      .replace(/^&/, '?'),
  );
  return added ? kept.replace(EMAIL, '') : kept;
};
