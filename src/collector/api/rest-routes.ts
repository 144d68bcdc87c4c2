/**
 * The REST routes: seed 003's lead/convert and seed 000's customer endpoints, plus the event
 * export. Trailing slashes are optional (seed 000 writes them, seed 003 does not). Pure.
 */

export type RestAction =
  | 'lead_convert'
  | 'customer_convert'
  | 'customer_cancel'
  | 'customer_unsubscribe'
  | 'customer_opt_in'
  | 'customer_create'
  | 'customer_get'
  | 'customer_update'
  | 'events_export';

export interface RestRoute {
  action: RestAction;
  site: string;
  /** Customer id or email, for customer_get / customer_update. */
  customer?: string;
}

const ACTIONS: Record<string, RestAction> = {
  convert: 'customer_convert',
  cancel: 'customer_cancel',
  unsubscribe: 'customer_unsubscribe',
  opt_in: 'customer_opt_in',
};

/** Methods each action answers to. */
export const ACTION_METHODS: Record<RestAction, string> = {
  lead_convert: 'POST',
  customer_convert: 'POST',
  customer_cancel: 'POST',
  customer_unsubscribe: 'POST',
  customer_opt_in: 'POST',
  customer_create: 'POST',
  customer_get: 'GET',
  customer_update: 'PUT',
  events_export: 'GET',
};

/**
 * The route of decoded path `segments` (without empty ones) and method, or undefined.
 * GET and PUT share `customers/{id}/`, so the method picks the action there.
 */
export function matchRestRoute(segments: string[], method: string): RestRoute | undefined {
  const [api, version, ...rest] = segments;
  if (api != 'api') return undefined;
  if (version == '1.0' && rest.length == 4 && rest[0] == 'site' && rest[2] == 'lead' && rest[3] == 'convert')
    return { action: 'lead_convert', site: rest[1] };
  if (version != 'v1' || rest.length < 2) return undefined;
  const [site, resource, id, ...extra] = rest;
  if (extra.length) return undefined;
  if (resource == 'customer' && id !== undefined && Object.prototype.hasOwnProperty.call(ACTIONS, id))
    return { action: ACTIONS[id], site };
  if (resource == 'customers' && id === undefined) return { action: 'customer_create', site };
  if (resource == 'customers' && id !== undefined)
    return { action: method == 'PUT' ? 'customer_update' : 'customer_get', site, customer: id };
  if (resource == 'events' && id === undefined) return { action: 'events_export', site };
  return undefined;
}
