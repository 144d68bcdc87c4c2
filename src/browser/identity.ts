/**
 * Visitor, session and order ids (DESIGN.md "Identity"), plus the visitor's event counter `seq`.
 * Kept in first-party cookies on the `setDomain` domain and mirrored in localStorage; the mirror
 * is only read when the visitor cookie is missing, so that a cookie changed on another subdomain
 * always wins over this origin's copy. Writes are gathered into one per task.
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
  q: number;
  s: string;
  t: number;
  o: string | null;
}

export interface Stamp {
  visitor: string;
  session: string;
  order: string | null;
  seq: number;
}

export interface Identity {
  /** Ids for the next event: bumps `seq` and slides the session. */
  _stamp(now: number): Stamp;
  /** Opens an order when none is open; true when it opened one. */
  _openOrder(): boolean;
  /** Replaces the open order with a new one. */
  _newOrder(): void;
  /** Detaches the session from its order (cleared or converted). */
  _closeOrder(): void;
  _setDomain(domain: unknown): void;
}

export function createIdentity(): Identity {
  let state: Saved | undefined;
  let domain: string | undefined;
  let writeQueued = false;

  const load = (): Saved => {
    if (state) return state;
    const now = Date.now();
    const [visitor, seq] = (readCookie('rj_v') || '').split('.');
    const mirror = tryGetJSON<Saved>(MIRROR_KEY);
    if (visitor) {
      state = {
        v: visitor,
        q: Math.max(+seq || 0, (mirror && mirror.v == visitor && mirror.q) || 0),
        s: readCookie('rj_s') || newId(),
        t: now,
        o: readCookie('rj_o') || null,
      };
    } else if (mirror && mirror.v) {
      state = mirror;
      if (!(now - mirror.t < SESSION_TIMEOUT_MS)) state.s = newId();
    } else state = { v: newId(), q: 0, s: newId(), t: now, o: null };
    return state;
  };

  const write = (): void => {
    writeQueued = false;
    const s = state!;
    domain = writeCookie('rj_v', s.v + '.' + s.q, VISITOR_MAX_AGE_S, domain);
    writeCookie('rj_s', s.s, SESSION_TIMEOUT_MS / 1000, domain);
    writeCookie('rj_o', s.o || '', s.o ? ORDER_MAX_AGE_S : 0, domain);
    trySetItem(MIRROR_KEY, JSON.stringify(s));
  };

  // One write per task: setDomain, pushed right after setAccount, lands before the first write.
  const changed = (): void => {
    if (!writeQueued) {
      writeQueued = true;
      Promise.resolve().then(write).catch(warn);
    }
  };

  return {
    _stamp(now) {
      const s = load();
      if (now - s.t > SESSION_TIMEOUT_MS) s.s = newId();
      s.t = now;
      changed();
      return { visitor: s.v, session: s.s, order: s.o, seq: ++s.q };
    },
    _openOrder() {
      const s = load();
      if (s.o) return false;
      s.o = newId();
      changed();
      return true;
    },
    _newOrder() {
      load().o = newId();
      changed();
    },
    _closeOrder() {
      load().o = null;
      changed();
    },
    _setDomain(input) {
      domain = repairCookieDomain(input, location.hostname);
      if (input && !domain) warn('setDomain: using a host cookie instead of', input);
    },
  };
}
