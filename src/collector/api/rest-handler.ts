/**
 * Entry of the REST API: route, site, method, body (at most 1 MB), signature, then the action.
 * Order matters: nothing about the request is looked at before the signature checks out,
 * except what is needed to check it. No CORS: this API is for the merchant's servers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestTarget } from '../http/request-target';
import { HttpError, readBody, replyError } from '../http/http-io';
import { parseJsonBody } from '../http/json-body';
import type { SiteRegistry } from '../sites';
import type { Store } from '../store/store';
import { authProblem } from './auth';
import { REST_ACTIONS } from './rest-actions';
import { ACTION_METHODS, matchRestRoute } from './rest-routes';

export interface RestDeps {
  sites: () => SiteRegistry;
  store: Store;
}

/** Handles `req` when it is a REST route; resolves false when it is not one. */
export type RestHandler = (req: IncomingMessage, res: ServerResponse, url: RequestTarget, segments: string[]) => Promise<boolean>;

export function createRestHandler({ sites, store }: RestDeps): RestHandler {
  return async (req, res, url, segments) => {
    const method = req.method ?? 'GET';
    const route = matchRestRoute(segments, method);
    if (!route) return false;
    const allowed = route.action == 'customer_get' || route.action == 'customer_update' ? 'GET, PUT' : ACTION_METHODS[route.action];
    if (!allowed.split(', ').includes(method)) {
      replyError(res, 405, `use ${allowed}`, { allow: allowed });
      return true;
    }
    const site = sites().byId(route.site);
    if (!site) {
      replyError(res, 403, 'unknown site');
      return true;
    }
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof HttpError) replyError(res, error.status, error.reason, error.headers);
      return true;
    }
    const problem = authProblem(site, method, req.url ?? '/', body, req.headers.authorization);
    if (problem) {
      replyError(res, 403, problem);
      return true;
    }
    let parsed: unknown;
    if (method != 'GET') {
      const json = parseJsonBody(body);
      if (!json.ok) {
        replyError(res, 400, json.reason);
        return true;
      }
      parsed = json.value;
    }
    await REST_ACTIONS[route.action]({ res, store, route, body: parsed, query: url.searchParams });
    return true;
  };
}
