/**
 * Customers: the flags (cancel, unsubscribe, opt-in) of both generations, and Rejoiner2's
 * create-or-update, reads by id, email and phone, and update.
 */
import { DELETED_EMAIL } from '../../domain/list-rules';
import { phoneKey } from '../../domain/phone';
import { toMetaString } from '../../../protocol/fields';
import { MAX_KEY_BYTES, MAX_METADATA_KEYS } from '../../ingest/event-limits';
import type { CustomerFlags } from '../../domain/api-commands';
import { readEmail } from '../conversion-input';
import { parseCustomerInput } from '../customer-input';
import { toCustomerJson } from '../customer-json';
import { empty, fail, ok, type RestContext, type RestHandlerFn } from '../rest-context';

type Flag = 'cancel' | 'unsubscribe' | 'opt_in';

const nowIso = (): string => new Date().toISOString();

/** Seed 000 opt_in: "any additional fields will be treated as strings". */
function consentInfo(body: Record<string, unknown>): Record<string, string> | { reason: string } {
  const info: Record<string, string> = {};
  for (const key of Object.keys(body)) {
    const text = key == 'email' ? undefined : toMetaString(body[key]);
    if (text !== undefined) Object.defineProperty(info, key, { value: text, enumerable: true, writable: true, configurable: true });
  }
  if (Object.keys(info).length > MAX_METADATA_KEYS) return { reason: `at most ${MAX_METADATA_KEYS} extra fields` };
  if (Object.keys(info).some((key) => Buffer.byteLength(key) > MAX_KEY_BYTES)) return { reason: `extra field names of at most ${MAX_KEY_BYTES} bytes` };
  return info;
}

/** Sets a flag on the body's email; resolves the customer, or answers 400 itself and resolves undefined. */
async function setFlag(context: RestContext, flag: Flag) {
  const email = readEmail(context.body);
  if (!email.ok) return void fail(context, 400, email.reason);
  const flags: CustomerFlags = {};
  if (flag == 'cancel') flags.cancel = nowIso();
  if (flag == 'unsubscribe') flags.unsubscribe = nowIso();
  if (flag == 'opt_in') {
    const info = consentInfo(context.body as Record<string, unknown>);
    if ('reason' in info) return void fail(context, 400, info.reason as string);
    flags.optIn = { date: nowIso(), info };
  }
  return context.store.setCustomerFlags(context.site.id, email.email, flags);
}

/** A deleted (Custobar `is_deleted`) or erased customer is hidden from every read: 404, as one never known. */
const answerCustomer = (context: RestContext, customer: Awaited<ReturnType<RestContext['store']['getCustomer']>>): void =>
  customer && customer.status == 'active' ? ok(context, toCustomerJson(customer)) : fail(context, 404, 'customer not found');

export const customerHandlers = {
  /** Rejoiner2: answers the customer. */
  flag:
    (flag: Flag): RestHandlerFn =>
    async (context) => {
      const customer = await setFlag(context, flag);
      if (customer) ok(context, toCustomerJson(customer));
    },

  /** REST 1.0 (`lead/cancel`, `lead/opt_in`, `lead/unsubscribe`): an empty 200, as `lead/convert`. */
  rest1Flag:
    (flag: Flag): RestHandlerFn =>
    async (context) => {
      if (await setFlag(context, flag)) empty(context);
    },

  /** `POST customers/`: creates (201) or, in the v2 way, updates (200) the customer of `email`. */
  upsert: (async (context) => {
    const input = parseCustomerInput(context.body);
    if (!input.ok) return fail(context, 400, input.reason);
    const outcome = await context.store.upsertCustomer(context.site.id, input.email, input.profile);
    // Deleted for good: neither brought back nor shown (README "Custobar import").
    if (outcome == 'deleted') return fail(context, 409, DELETED_EMAIL);
    ok(context, toCustomerJson(outcome.customer), outcome.created ? 201 : 200);
  }) as RestHandlerFn,

  read: (async (context) => answerCustomer(context, await context.store.getCustomer(context.site.id, context.params.customer))) as RestHandlerFn,

  byEmail: (async (context) => {
    const email = readEmail({ email: context.query.get('email') ?? '' });
    if (!email.ok) return fail(context, 400, `?${email.reason.replace(/^email/, 'email=')}`);
    answerCustomer(context, await context.store.getCustomer(context.site.id, email.email));
  }) as RestHandlerFn,

  byPhone: (async (context) => {
    const phone = context.query.get('phone');
    if (!phone) return fail(context, 400, '?phone= is required, in E.164 form (+15550102030)');
    if (phoneKey(phone) === null) return fail(context, 400, 'phone: not a phone number (5 to 15 digits, E.164 form: +15550102030)');
    answerCustomer(context, await context.store.getCustomerByPhone(context.site.id, phone));
  }) as RestHandlerFn,

  /** `DELETE customers/{id or email}/`: erases the customer (README "Erasure"); 204, irreversible. */
  forget: (async (context) => {
    const found = await context.store.getCustomer(context.site.id, context.params.customer);
    if (!found || found.status == 'forgotten') return fail(context, 404, 'customer not found');
    await context.store.eraseCustomer(context.site.id, found.id, 'forget', 'rejoiner');
    empty(context, 204);
  }) as RestHandlerFn,

  update: (async (context) => {
    const input = parseCustomerInput(context.body);
    if (!input.ok) return fail(context, 400, input.reason);
    const result = await context.store.updateCustomer(context.site.id, context.params.customer, input.email, input.profile);
    if (result == 'not_found') return fail(context, 404, 'customer not found');
    if (result == 'email_taken') return fail(context, 409, 'email: another customer has this address');
    ok(context, toCustomerJson(result));
  }) as RestHandlerFn,
};

