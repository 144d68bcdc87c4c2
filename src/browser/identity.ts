/**
 * Visitor, session and order ids (DESIGN.md "Identity"), plus the visitor's event counter `seq`,
 * in one first-party cookie `rj` = "visitor.seq.session.lastActivity.order" on the `setDomain`
 * domain, mirrored in localStorage. The mirror is read only when the cookie is missing, so that a
 * cookie changed on another subdomain always wins over this origin's copy. A session ends after
 * 30 minutes without events, in this page or any other. Writes are gathered into one per task,
 * so that a `setDomain` pushed after `setAccount` lands before the first cookie is written.
 */
import { readCookie, writeCookie } from './cookies';
import { repairCookieDomain } from './cookie-domain';
import { newId } from './ids';
import { report } from './report';
import { BAD_DOMAIN } from './report-codes';
import { tryGetJSON, trySetItem } from './storage';

const SESSION_TIMEOUT_MS = 30 * 60 * 1000;
const COOKIE_MAX_AGE_S = 2 * 365 * 24 * 3600;
const MIRROR_KEY = 'rejoiner:id:v1';
const FORM_EMAILS_KEY = 'rejoiner:emails:v1';

export interface Stamp {
  visitor: string;
  session: string;
  order: string | null;
  seq: number;
}

export interface Identity {
  /** Ids for the next event: bumps `seq` and slides the session. */
  _stamp(): Stamp;
  /** Opens an order when none is open; true when it opened one. */
  _openOrder(): boolean;
  /** Replaces the open order with a new one. */
  _newOrder(): void;
  /** Detaches the session from its order (cleared or converted). */
  _closeOrder(): void;
  _setDomain(domain: unknown): void;
  /** True the first time the form scanner reports `email` in this session. */
  _rememberFormEmail(email: string): boolean;
}

export function createIdentity(): Identity {
  /** [visitor, seq, session, last activity ms, order]; read on first use. */
  let ids: (string | number)[] | undefined;
  let domain: string | undefined;
  let writeQueued: unknown;
  /** Session id + email of what the form scanner sent lately (kept in memory when storage is blocked). */
  let formEmails: string[] | undefined;

  const load = () =>
    (ids ||= (readCookie('rj') || tryGetJSON<string>(MIRROR_KEY) || newId()).split('.'));

  const changed = (): void => {
    writeQueued ||= Promise.resolve()
      .then(() => {
        writeQueued = 0;
        const text = ids!.join('.');
        domain = writeCookie('rj', text, COOKIE_MAX_AGE_S, domain);
        trySetItem(MIRROR_KEY, JSON.stringify(text));
      })
      .catch(report);
  };

  /** Sets the open order (a new id), or closes it (''). */
  const setOrder = (order: string): void => {
    load()[4] = order;
    changed();
  };

  return {
    _stamp() {
      const [visitor, seq, session, last, order] = load();
      const now = Date.now();
      ids = [visitor, +seq! + 1 || 1, session && now - +last! < SESSION_TIMEOUT_MS ? session : newId(), now, order || ''];
      changed();
      return { visitor: visitor as string, session: ids[2] as string, order: (order as string) || null, seq: ids[1] as number };
    },
    _openOrder: () => !load()[4] && (setOrder(newId()), true),
    _newOrder: () => setOrder(newId()),
    _closeOrder: () => setOrder(''),
    _setDomain(input) {
      domain = repairCookieDomain(input, location.hostname);
      if (input && !domain) report(BAD_DOMAIN, input);
    },
    _rememberFormEmail(email) {
      // Kept apart from the cookie: an email has no business in a cookie.
      const key = load()[2] + email;
      formEmails ||= tryGetJSON<string[]>(FORM_EMAILS_KEY) || [];
      if (formEmails.indexOf(key) >= 0) return false;
      trySetItem(FORM_EMAILS_KEY, JSON.stringify((formEmails = formEmails.slice(-4).concat(key))));
      return true;
    },
  };
}
