/**
 * Every REST endpoint in one table: method, path pattern, which API generation it belongs to
 * (that decides how it authenticates) and its handler. 404 and 405 (with `Allow`) derive from
 * the table; trailing slashes are optional (Rejoiner2 writes them, REST 1.0 does not). Pure
 * apart from the handlers it lists.
 */
import type { RestHandlerFn } from './rest-context';
import { custobarUpload } from './custobar/upload';
import { loyaltyHandlers } from './loyalty/customers';
import { conversionHandlers } from './handlers/conversions';
import { customerHandlers } from './handlers/customers';
import { exportHandler } from './handlers/export';
import { listHandlers } from './handlers/lists';
import { notKeptHandler } from './handlers/not-kept';
import { pingHandler } from './handlers/ping';
import { sessionHandler } from './handlers/sessions';
import { tagHandlers } from './handlers/tags';

/**
 * Which API a route belongs to; that decides how it authenticates and where the site comes
 * from (auth.ts): REST 1.0 (signed only), Rejoiner2 v1/v2 (signed, or the site's bearer token),
 * or one of the customer platforms' dialects (the site's token in the form its clients send).
 */
export type ApiGeneration = 'rest1' | 'rejoiner2' | 'custobar' | 'loyalty' | 'hubrise';

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /**
   * Path segments; ":name" captures one (percent-decoded). Rejoiner's and the loyalty
   * platform's patterns hold ":site"; Custobar's and HubRise's find the site by the credential.
   */
  pattern: string[];
  api: ApiGeneration;
  handler: RestHandlerFn;
}

const rest1 = (method: Route['method'], path: string, handler: RestHandlerFn): Route[] => [
  { method, pattern: ['api', '1.0', 'site', ':site', ...path.split('/')], api: 'rest1', handler },
];

/** Rejoiner2 endpoints answer the same on /api/v1/ and /api/v2/. */
const rejoiner2 = (method: Route['method'], path: string, handler: RestHandlerFn): Route[] =>
  ['v1', 'v2'].map((version) => ({ method, pattern: ['api', version, ':site', ...path.split('/')], api: 'rejoiner2' as const, handler }));

/**
 * In matching order: a literal segment must come before a ":name" one at the same place
 * (`customers/by_email` before `customers/:customer`).
 */
export const ROUTES: Route[] = [
  ...rest1('POST', 'lead/convert', conversionHandlers.leadConvert),
  ...rest1('POST', 'lead/cancel', customerHandlers.rest1Flag('cancel')),
  ...rest1('POST', 'lead/opt_in', customerHandlers.rest1Flag('opt_in')),
  ...rest1('POST', 'lead/unsubscribe', customerHandlers.rest1Flag('unsubscribe')),
  ...rest1('POST', 'contact_add', listHandlers.rest1ContactAdd),
  ...rest1('GET', 'lists', listHandlers.list),

  ...rejoiner2('GET', 'ping', pingHandler),
  ...rejoiner2('POST', 'customer/convert', conversionHandlers.customerConvert('latest')),
  ...rejoiner2('POST', 'customer/always_convert', conversionHandlers.customerConvert('always')),
  ...rejoiner2('POST', 'customer/cancel', customerHandlers.flag('cancel')),
  ...rejoiner2('POST', 'customer/unsubscribe', customerHandlers.flag('unsubscribe')),
  ...rejoiner2('POST', 'customer/opt_in', customerHandlers.flag('opt_in')),
  ...rejoiner2('POST', 'customers', customerHandlers.upsert),
  ...rejoiner2('GET', 'customers/by_email', customerHandlers.byEmail),
  ...rejoiner2('GET', 'customers/by_phone', customerHandlers.byPhone),
  ...rejoiner2('GET', 'customers/preference_tags/by_email', tagHandlers.preferences.read),
  ...rejoiner2('PUT', 'customers/preference_tags/by_email', tagHandlers.preferences.change('replace')),
  ...rejoiner2('PATCH', 'customers/preference_tags/by_email', tagHandlers.preferences.change('add')),
  ...rejoiner2('PATCH', 'customers/preference_tags/remove/by_email', tagHandlers.preferences.change('remove')),
  ...rejoiner2('GET', 'customers/:customer', customerHandlers.read),
  ...rejoiner2('PUT', 'customers/:customer', customerHandlers.update),
  ...rejoiner2('DELETE', 'customers/:customer', customerHandlers.forget),
  ...rejoiner2('GET', 'customers/:customer/tags', tagHandlers.tags.read),
  ...rejoiner2('PUT', 'customers/:customer/tags', tagHandlers.tags.change('replace')),
  ...rejoiner2('PATCH', 'customers/:customer/tags', tagHandlers.tags.change('add')),
  ...rejoiner2('PATCH', 'customers/:customer/tags/remove', tagHandlers.tags.change('remove')),
  ...rejoiner2('GET', 'lists', listHandlers.list),
  ...rejoiner2('POST', 'lists', listHandlers.create),
  ...rejoiner2('GET', 'lists/:list/contacts', listHandlers.contacts),
  ...rejoiner2('POST', 'lists/:list/contacts', listHandlers.contactAdd),
  ...rejoiner2('POST', 'lists/:list/contacts/remove', listHandlers.contactRemove),
  ...rejoiner2('PUT', 'sessions/:session', sessionHandler),
  ...rejoiner2('POST', 'journeys/:journey/webhook_trigger', notKeptHandler('journey')),
  ...rejoiner2('POST', 'journeys/:journey/nodes/:node/webhook_event_wait', notKeptHandler('journey')),
  ...rejoiner2('GET', 'segments/:segment/customers', notKeptHandler('segment')),
  ...rejoiner2('GET', 'events', exportHandler),

  // Custobar (seed 001): the site is the one whose key and token the Basic credential carries.
  { method: 'POST', pattern: ['api', 'customers', 'upload'], api: 'custobar', handler: custobarUpload },

  // The loyalty platform (seed 002): the path names the site, the Bearer token must be its.
  { method: 'GET', pattern: ['organizations', ':site', 'customers'], api: 'loyalty', handler: loyaltyHandlers.customers },
  { method: 'GET', pattern: ['organizations', ':site', 'customers', ':customer'], api: 'loyalty', handler: loyaltyHandlers.customer },
  { method: 'GET', pattern: ['organizations', ':site', 'customers', ':customer', 'memberships'], api: 'loyalty', handler: loyaltyHandlers.memberships },
];

export type RouteMatch =
  | { kind: 'route'; route: Route; params: Record<string, string> }
  | { kind: 'method'; allow: string[] }
  | { kind: 'none' };

/** The captures of `pattern` over decoded `segments`, or undefined when it does not match. */
function capture(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length != segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index++) {
    const part = pattern[index];
    if (part.startsWith(':')) params[part.slice(1)] = segments[index];
    else if (part != segments[index]) return undefined;
  }
  return params;
}

const patternOf = (route: Route): string => route.pattern.join('/');

/**
 * The route for `method` on decoded path `segments`; when only other methods match, which.
 * The first pattern that matches the path decides: routes of other patterns never answer it,
 * so `PUT customers/by_email` is a 405, not an update of a customer called "by_email".
 */
export function matchRoute(method: string, segments: string[]): RouteMatch {
  const first = ROUTES.find((route) => capture(route.pattern, segments));
  if (!first) return { kind: 'none' };
  const same = ROUTES.filter((route) => patternOf(route) == patternOf(first));
  const route = same.find((candidate) => candidate.method == method);
  if (route) return { kind: 'route', route, params: capture(route.pattern, segments)! };
  return { kind: 'method', allow: [...new Set(same.map((candidate) => candidate.method))] };
}
