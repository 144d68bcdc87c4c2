/**
 * The REST endpoints' behaviour, one function per action, after authentication. Each gets the
 * parsed JSON body (undefined for GET) and answers through `res`.
 */
import type { ServerResponse } from 'node:http';
import { toMetaString } from '../../protocol/fields';
import { reply, replyError, replyJson } from '../http/http-io';
import { MAX_KEY_BYTES, MAX_METADATA_KEYS } from '../ingest/event-limits';
import type { Store } from '../store/store';
import { parseConversionInput, readEmail } from './conversion-input';
import { parseCustomerInput } from './customer-input';
import { toCustomerJson } from './customer-json';
import { streamEvents } from './events-export';
import type { RestAction, RestRoute } from './rest-routes';

export interface ActionContext {
  res: ServerResponse;
  store: Store;
  route: RestRoute;
  body: unknown;
  query: URLSearchParams;
}

const nowIso = (): string => new Date().toISOString();

type Action = (context: ActionContext) => Promise<void>;

const convert =
  (scope: 'all' | 'latest'): Action =>
  async ({ res, store, route, body }) => {
    const input = parseConversionInput(body, scope == 'all');
    if (!input.ok) return replyError(res, 400, input.reason);
    const converted = await store.convertOrders(route.site, input.email, { ...input.conversion, scope });
    if (typeof converted != 'number') return replyError(res, 400, converted.refused);
    // Seed 003: "Response body will always be empty" for lead/convert.
    if (scope == 'all') reply(res, 200);
    else replyJson(res, 200, { converted });
  };

const flag =
  (flags: (body: Record<string, unknown>) => Parameters<Store['setCustomerFlags']>[2]): Action =>
  async ({ res, store, route, body }) => {
    const email = readEmail(body);
    if (!email.ok) return replyError(res, 400, email.reason);
    const customer = await store.setCustomerFlags(route.site, email.email, flags(body as Record<string, unknown>));
    replyJson(res, 200, toCustomerJson(customer));
  };

/** Seed 000 opt_in: "any additional fields will be treated as strings". */
const consentInfo = (body: Record<string, unknown>): Record<string, string> => {
  const info: Record<string, string> = {};
  for (const key of Object.keys(body)) {
    const text = key == 'email' ? undefined : toMetaString(body[key]);
    if (text !== undefined) Object.defineProperty(info, key, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return info;
};

export const REST_ACTIONS: Record<RestAction, Action> = {
  lead_convert: convert('all'),
  customer_convert: convert('latest'),
  customer_cancel: flag(() => ({ cancel: nowIso() })),
  customer_unsubscribe: flag(() => ({ unsubscribe: nowIso() })),
  async customer_opt_in(context) {
    const { body } = context;
    // A body that is no object is refused by `flag`, with the reason.
    const info = typeof body == 'object' && body != null ? consentInfo(body as Record<string, unknown>) : {};
    if (Object.keys(info).length > MAX_METADATA_KEYS) return replyError(context.res, 400, `at most ${MAX_METADATA_KEYS} extra fields`);
    if (Object.keys(info).some((key) => Buffer.byteLength(key) > MAX_KEY_BYTES))
      return replyError(context.res, 400, `extra field names of at most ${MAX_KEY_BYTES} bytes`);
    return flag(() => ({ optIn: { date: nowIso(), info } }))(context);
  },

  async customer_create({ res, store, route, body }) {
    const input = parseCustomerInput(body);
    if (!input.ok) return replyError(res, 400, input.reason);
    const { customer, created } = await store.upsertCustomer(route.site, input.email, input.profile);
    replyJson(res, created ? 201 : 200, toCustomerJson(customer));
  },

  async customer_get({ res, store, route }) {
    const customer = await store.getCustomer(route.site, route.customer!);
    if (!customer) return replyError(res, 404, 'customer not found');
    replyJson(res, 200, toCustomerJson(customer));
  },

  async customer_update({ res, store, route, body }) {
    const input = parseCustomerInput(body);
    if (!input.ok) return replyError(res, 400, input.reason);
    const result = await store.updateCustomer(route.site, route.customer!, input.email, input.profile);
    if (result == 'not_found') return replyError(res, 404, 'customer not found');
    if (result == 'email_taken') return replyError(res, 409, 'email: another customer has this address');
    replyJson(res, 200, toCustomerJson(result));
  },

  events_export: ({ res, store, route, query }) => streamEvents(res, store, route.site, query),
};
