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

/** Positions in the cookie's value, "visitor.seq.session.lastActivity.order". */
const SESSION = 2;
const ORDER = 4;

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
  /** The current session's id. */
  _session(): string;
}

export function createIdentity(): Identity {
  /** [visitor, seq, session, last activity ms, order] (strings as read); read on first use. */
  let ids: (string | number)[] | undefined;
  let domain: string | undefined;
  let writeQueued = false;

  const load = () =>
    (ids ||= (readCookie('rj') || tryGetJSON<string>(MIRROR_KEY) || newId()).split('.'));

  /** Writes the ids at the end of the task (cookie and mirror never throw). */
  const changed = (): void => {
    if (writeQueued) return;
    writeQueued = true;
    queueMicrotask(() => {
      writeQueued = false;
      const text = ids!.join('.');
      domain = writeCookie('rj', text, COOKIE_MAX_AGE_S, domain);
      trySetItem(MIRROR_KEY, JSON.stringify(text));
    });
  };

  /** Sets the open order (a new id), or closes it (''). */
  const setOrder = (order: string): void => {
    load()[ORDER] = order;
    changed();
  };

  return {
    _stamp() {
      const [visitor, lastSeq, lastSession, lastActivity, order] = load() as string[];
      const now = Date.now();
      // A new visitor (or a damaged cookie) has no number yet: its first event is 1.
      const seq = (+lastSeq || 0) + 1;
      const session = lastSession && now - +lastActivity < SESSION_TIMEOUT_MS ? lastSession : newId();
      ids = [visitor, seq, session, now, order || ''];
      changed();
      return { visitor, session, order: order || null, seq };
    },
    _openOrder: () => !load()[ORDER] && (setOrder(newId()), true),
    _newOrder: () => setOrder(newId()),
    _closeOrder: () => setOrder(''),
    _setDomain(input) {
      domain = repairCookieDomain(input, location.hostname);
      if (input && !domain) report(BAD_DOMAIN, input);
    },
    _session: () => load()[SESSION] as string,
  };
}
