/**
 * Who may see the dashboard (CONTRACTS.md "Access to the dashboard, inspector and /metrics").
 *
 * - A login form takes the admin token (every site) or a site's `token` (that site) and sets an
 *   HttpOnly, SameSite=Strict cookie. No credential ever travels in a URL.
 * - The cookie is stateless, so any collector node accepts it: `expiry.scope.mac`, where mac is
 *   an HMAC-SHA256 keyed with the credential that logged in. Changing a token ends its sessions.
 * - Without any credential configured and outside production mode, a request is "local" (every
 *   site, no login) only when it comes from a loopback address, no proxy is trusted and it
 *   carries no `X-Forwarded-For`: behind a proxy on the same machine every request would look
 *   local. In production mode a credential is always required.
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { sameSecret } from '../http/constant-time';
import { isLocalRequest } from '../http/http-io';
import type { ProxyTrust } from '../http/proxy-trust';
import type { SiteRegistry } from '../sites';

export const SESSION_COOKIE = 'rj_dashboard';
/** How long a login lasts. */
export const SESSION_SECONDS = 7 * 24 * 3600;
/** The scope of an admin login (a site id never contains "*"). */
const EVERY_SITE = '*';

/** What a request may see: one site, every site, or nothing (with the reason). */
export type DashboardScope = { site: string | undefined } | { refused: string };

export interface DashboardAccessOptions {
  sites: () => SiteRegistry;
  /** The all-sites credential (`--admin-token`). */
  adminToken?: string;
  production: boolean;
  proxies: ProxyTrust;
}

export interface DashboardAccess {
  /** The scope of a request, from its cookie or the local rule. */
  scopeOf(req: IncomingMessage): DashboardScope;
  /** The cookie value for a credential, or undefined when it is no credential of this collector. */
  login(credential: string, now?: number): string | undefined;
  /** Whether logging in is possible at all (some credential is configured). */
  readonly loginEnabled: boolean;
}


const macOf = (credential: string, scope: string, expiry: number): string =>
  createHmac('sha256', credential).update(`dashboard\n${scope}\n${expiry}`).digest('base64url');

/** The value of cookie `name` in a Cookie header, if any. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const equals = part.indexOf('=');
    if (equals > 0 && part.slice(0, equals).trim() == name) return part.slice(equals + 1).trim();
  }
  return undefined;
}

export function createDashboardAccess({ sites, adminToken, production, proxies }: DashboardAccessOptions): DashboardAccess {
  const credentialOf = (scope: string): string | undefined =>
    scope == EVERY_SITE ? adminToken : sites().byId(scope)?.token;
  const anyCredential = (): boolean => !!adminToken || sites().all().some((site) => site.token);

  const fromCookie = (value: string | undefined, now: number): DashboardScope | undefined => {
    const [expiryText, scopeText, mac, extra] = (value ?? '').split('.');
    if (!mac || extra !== undefined || !/^\d{1,13}$/.test(expiryText) || +expiryText * 1000 < now) return undefined;
    const scope = Buffer.from(scopeText, 'base64url').toString();
    const credential = credentialOf(scope);
    if (!credential || !sameSecret(mac, macOf(credential, scope, +expiryText))) return undefined;
    return { site: scope == EVERY_SITE ? undefined : scope };
  };

  const isLocal = (req: IncomingMessage): boolean =>
    !production &&
    !anyCredential() &&
    !proxies.configured &&
    isLocalRequest(req);

  return {
    get loginEnabled() {
      return anyCredential();
    },
    scopeOf(req) {
      const session = fromCookie(readCookie(req.headers.cookie, SESSION_COOKIE), Date.now());
      if (session) return session;
      if (isLocal(req)) return { site: undefined };
      if (!anyCredential())
        return { refused: 'no dashboard credential is configured: set an admin token or a site token' };
      return { refused: 'log in with the admin token or a site token' };
    },
    login(credential, now = Date.now()) {
      // Every comparison runs, so the time taken does not tell which credential (if any) matched.
      let scope: string | undefined;
      if (adminToken && sameSecret(credential, adminToken)) scope = EVERY_SITE;
      for (const site of sites().all()) if (site.token && sameSecret(credential, site.token) && !scope) scope = site.id;
      if (!scope) return undefined;
      const expiry = Math.floor(now / 1000) + SESSION_SECONDS;
      return `${expiry}.${Buffer.from(scope).toString('base64url')}.${macOf(credentialOf(scope)!, scope, expiry)}`;
    },
  };
}
