/**
 * Visitor, session and order ids (DESIGN.md "Identity"), plus the visitor's event counter `seq`.
 * Kept in first-party cookies on the `setDomain` domain and mirrored in localStorage; the mirror
 * is read only when the visitor cookie is missing, so that a cookie changed on another subdomain
 * always wins over this origin's copy. Writes are gathered into one per task, so that a
 * `setDomain` pushed after `setAccount` lands before the first cookie is written.
 */
import { readCookie, writeCookie } from './cookies';
import { repairCookieDomain } from './cookie-domain';
import { newId } from './ids';
import { warn } from './log';
import { tryGetJSON, trySetItem } from './storage';

const SESSION_TIMEOUT_MS = 30 * 60 * 1000;
const VISITOR_MAX_AGE_S = 2 * 365 * 24 * 3600;
const ORDER_MAX_AGE_S = 30 * 24 * 3600;
const MIRROR_KEY = 'rejoiner:id:v1';

interface Saved {
  v: string;
  /** The visitor's last `seq`. */
  q: number;
  s: string;
  /** Last activity of session `s`, in ms. */
  t: number;
  o?: string;
  /** Session id + email of what the form scanner already sent, the last few. */
  e?: string[];
}

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
  let state: Saved | undefined;
  let domain: string | undefined;
  let writeQueued: unknown;

  const load = (): Saved => {
    if (!state) {
      const [visitor, seq] = (readCookie('rj_v') || '').split('.');
      const mirror = tryGetJSON<Saved>(MIRROR_KEY);
      state = visitor
        ? { v: visitor, q: +seq || 0, s: readCookie('rj_s')!, t: Date.now(), o: readCookie('rj_o'), e: mirror?.e }
        : mirror || { v: newId(), q: 0, s: newId(), t: Date.now() };
    }
    return state;
  };

  const write = (): void => {
    const s = state!;
    writeQueued = 0;
    domain = writeCookie('rj_v', s.v + '.' + s.q, VISITOR_MAX_AGE_S, domain);
    writeCookie('rj_s', s.s, SESSION_TIMEOUT_MS / 1000, domain);
    writeCookie('rj_o', s.o || '', s.o ? ORDER_MAX_AGE_S : 0, domain);
    trySetItem(MIRROR_KEY, JSON.stringify(s));
  };

  const changed = (): void => {
    writeQueued ||= Promise.resolve().then(write).catch(warn);
  };

  /** Opens order `order` (a new id) or closes it (undefined). */
  const setOrder = (order?: string): void => {
    load().o = order;
    changed();
  };

  return {
    _stamp() {
      const s = load();
      // A session ends after 30 minutes without events, in this page or any other.
      if (!s.s || Date.now() - s.t > SESSION_TIMEOUT_MS) s.s = newId();
      s.t = Date.now();
      changed();
      return { visitor: s.v, session: s.s, order: s.o || null, seq: ++s.q };
    },
    _openOrder: () => !load().o && (setOrder(newId()), true),
    _newOrder: () => setOrder(newId()),
    _closeOrder: () => setOrder(),
    _setDomain(input) {
      domain = repairCookieDomain(input, location.hostname);
      if (input && !domain) warn('bad domain', input);
    },
    _rememberFormEmail(email) {
      const s = load();
      const seen = s.e || [];
      if (seen.indexOf(s.s + email) >= 0) return false;
      s.e = seen.slice(-4).concat(s.s + email);
      changed();
      return true;
    },
  };
}
