/**
 * `/inspector` (the page), `/inspector/events` (its live data), `/inspector/api/...` (the
 * dashboard's JSON reads), `/inspector/login` and `/inspector/logout`, `/inspector/*.js|css`
 * and `/inspector/vendor/chart.umd.min.js` (the chart library, from the installed package).
 * Who sees what is decided by dashboard-access.ts; this file only routes and answers.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readBody, reply, replyError } from '../http/http-io';
import type { ProxyTrust } from '../http/proxy-trust';
import type { RequestTarget } from '../http/request-target';
import { serveFile } from '../http/static-files';
import { SESSION_COOKIE, SESSION_SECONDS, type DashboardAccess } from './dashboard-access';
import type { DashboardApi } from './dashboard-api';
import type { LiveFeed } from './live-feed';

export interface InspectorDeps {
  access: DashboardAccess;
  proxies: ProxyTrust;
  feed: LiveFeed;
  api: DashboardApi;
  /** Folder of index.html, login.html, inspector.js and inspector.css. */
  assetsDir: string;
}

export type InspectorHandler = (req: IncomingMessage, res: ServerResponse, url: RequestTarget, segments: string[]) => Promise<void>;

/** A login form body is a few dozen bytes. */
const MAX_LOGIN_BYTES = 4096;
const HTML = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };

/**
 * Chart.js's browser build, served from the installed package (a dependency of the collector):
 * the dashboard loads nothing from other hosts. A missing package costs the charts (a 404 that
 * says what to install), not the collector's start.
 */
const CHART_DIR = ((): string | undefined => {
  try {
    return dirname(createRequire(import.meta.url).resolve('chart.js'));
  } catch {
    return undefined;
  }
})();
const CHART_FILE = 'chart.umd.min.js';

/**
 * Whether a form post comes from a page of this collector. SameSite=Strict already keeps the
 * cookie off other sites' requests; this also stops another site from logging a visitor in
 * (login CSRF). Browsers send `Origin` on every POST; a client without one is not a browser.
 */
const isSameOrigin = (req: IncomingMessage): boolean => {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host == req.headers.host;
  } catch {
    return false;
  }
};

export function createInspectorHandler({ access, proxies, feed, api, assetsDir }: InspectorDeps): InspectorHandler {
  const cookie = (req: IncomingMessage, value: string, maxAge: number): string =>
    `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict` +
    (proxies.protocol(req) == 'https' ? '; Secure' : '');

  const loginPage = async (res: ServerResponse, status: number, message: string): Promise<void> => {
    const page = await readFile(join(assetsDir, 'login.html'), 'utf8');
    // The message is one of ours, never request data; escaped anyway.
    const safe = message.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
    reply(res, status, page.replace('<!--message-->', safe), HTML);
  };

  const login = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!isSameOrigin(req)) return replyError(res, 403, 'log in from the login page of this collector');
    let body: Buffer;
    try {
      body = await readBody(req, MAX_LOGIN_BYTES);
    } catch (error) {
      if (error instanceof HttpError) replyError(res, error.status, error.reason, error.headers);
      return;
    }
    const token = new URLSearchParams(body.toString('utf8')).get('token')?.trim() ?? '';
    const value = token ? access.login(token) : undefined;
    if (!value) return loginPage(res, 401, 'That token is not valid here.');
    reply(res, 303, '', { location: '/inspector', 'set-cookie': cookie(req, value, SESSION_SECONDS), 'cache-control': 'no-store' });
  };

  return async (req, res, url, segments) => {
    const [, name] = segments;
    if (name == 'login' && segments.length == 2) {
      if (req.method == 'POST') return login(req, res);
      if (req.method == 'GET' || req.method == 'HEAD') return loginPage(res, 200, '');
      return replyError(res, 405, 'use GET or POST', { allow: 'GET, HEAD, POST' });
    }
    if (name == 'logout' && segments.length == 2) {
      if (req.method != 'POST') return replyError(res, 405, 'use POST', { allow: 'POST' });
      if (!isSameOrigin(req)) return replyError(res, 403, 'log out from a page of this collector');
      return reply(res, 303, '', { location: '/inspector/login', 'set-cookie': cookie(req, '', 0), 'cache-control': 'no-store' });
    }
    if (req.method != 'GET' && req.method != 'HEAD') return replyError(res, 405, 'use GET', { allow: 'GET, HEAD' });
    // Scripts and styles hold no data: they load without a login so the pages can start.
    if (name == 'vendor' && segments.length == 3 && segments[2] == CHART_FILE) {
      if (CHART_DIR && (await serveFile(req, res, CHART_DIR, CHART_FILE, { cacheControl: 'public, max-age=86400' }))) return;
      return replyError(res, 404, 'chart library missing: run npm install');
    }
    if (name !== undefined && name != 'events' && name != 'api') {
      if (segments.length == 2 && /^[\w-]+\.(js|css)$/.test(name) && (await serveFile(req, res, assetsDir, name))) return;
      return replyError(res, 404, 'not found');
    }
    const scope = access.scopeOf(req);
    if ('refused' in scope) {
      if (name == 'events' || name == 'api') return replyError(res, 401, scope.refused);
      // A person at the page: send them to the form when there is something to log in with.
      if (access.loginEnabled) return reply(res, 303, '', { location: '/inspector/login', 'cache-control': 'no-store' });
      return replyError(res, 403, scope.refused);
    }
    if (name == 'events') return feed.attach(res, scope.site);
    if (name == 'api') return api(res, url, segments.slice(2), scope.site);
    if (!(await serveFile(req, res, assetsDir, 'index.html'))) replyError(res, 404, 'inspector assets missing');
  };
}
