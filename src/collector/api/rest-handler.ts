/**
 * Entry of the REST APIs: route (404/405 from the route table), body (at most 1 MB),
 * authentication, JSON, then the handler. Nothing about the request is used before its
 * credentials check out, except what checking them needs. No CORS: these APIs are for the
 * merchant's servers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readBody, replyError } from '../http/http-io';
import { parseJsonBody } from '../http/json-body';
import type { ProxyTrust } from '../http/proxy-trust';
import type { RequestTarget } from '../http/request-target';
import type { SiteRegistry } from '../sites';
import type { Store } from '../store/store';
import { noteSite } from '../observe/request-notes';
import { authenticate, authenticateDialect, type DialectAuthResult } from './auth';
import { matchRoute, type Route } from './route-table';

export interface RestDeps {
  sites: () => SiteRegistry;
  store: Store;
  proxies: ProxyTrust;
}

/** Handles `req` when it is under /api/; resolves false when no route has its path. */
export type RestHandler = (req: IncomingMessage, res: ServerResponse, url: RequestTarget, segments: string[]) => Promise<boolean>;

export function createRestHandler({ sites, store, proxies }: RestDeps): RestHandler {
  /** The site the request's credential opens, checked the way the route's API checks it. */
  const credentialsOf = (route: Route, params: Record<string, string>, method: string, req: IncomingMessage, body: Buffer): DialectAuthResult => {
    if (route.api == 'custobar' || route.api == 'loyalty' || route.api == 'hubrise') return authenticateDialect(route.api, sites(), req.headers, params.site);
    const site = sites().byId(params.site);
    const target = req.url ?? '/';
    // The part of the target after the site's base (/api/1.0/site/{site}/ or /api/v2/{site}/),
    // counted on the path as routed: empty segments ("//") do not count, as they do not route.
    const [path, ...query] = target.split('?');
    const baseParts = route.pattern.indexOf(':site') + 1;
    const relativePath = path.split('/').filter((part, index, all) => part || index == 0 || index == all.length - 1).slice(baseParts + 1).join('/');
    const relativeTarget = [relativePath, ...query].join('?');
    const auth = authenticate({ site, api: route.api, method, target, relativeTarget, body, header: req.headers.authorization });
    if (!auth.ok) return auth;
    return site ? { ok: true, site } : { ok: false, status: 403, reason: 'credentials not valid for this site' };
  };

  return async (req, res, url, segments) => {
    const method = req.method ?? 'GET';
    const match = matchRoute(method, segments);
    if (match.kind == 'none') return false;
    if (match.kind == 'method') {
      replyError(res, 405, `use ${match.allow.join(', ')}`, { allow: match.allow.join(', ') });
      return true;
    }
    const { route, params } = match;
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof HttpError) replyError(res, error.status, error.reason, error.headers);
      return true;
    }
    const site = credentialsOf(route, params, method, req, body);
    if (site.ok) noteSite(res, site.site.id);
    if (!site.ok) {
      replyError(res, site.status, site.reason, site.headers);
      return true;
    }
    let parsed: unknown;
    // GET and DELETE carry no body worth reading; a client may still send one.
    if (method != 'GET' && method != 'DELETE') {
      const json = parseJsonBody(body);
      if (!json.ok) {
        replyError(res, 400, json.reason);
        return true;
      }
      parsed = json.value;
    }
    const host = typeof req.headers.host == 'string' && /^[\w.:[\]-]+$/.test(req.headers.host) ? req.headers.host : 'localhost';
    await route.handler({
      req,
      res,
      store,
      site: site.site,
      params,
      query: url.searchParams,
      body: parsed,
      origin: `${proxies.protocol(req)}://${host}`,
      path: url.pathname,
    });
    return true;
  };
}
