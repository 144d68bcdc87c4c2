/**
 * Validation of HubRise request bodies and queries (seed 004), field names exactly as the seed
 * writes them. Nothing is coerced silently: a wrong value is a 422 naming its field (HubRise's
 * "Validation failed" with an `errors` breakdown), a field the endpoint does not take a 400
 * naming it (a typo must not be dropped quietly), a field the API only shows (id, balance...) a
 * 400 saying so. `""` counts as no value for the fields with a format (email, phone, dates...).
 * Pure.
 */
import { toEmail } from '../../../protocol/fields';
import type { CustomerFilters } from '../../domain/customer-search';
import type { HubriseCustomerPatch } from '../../domain/hubrise-customers';
import { parsePoints } from '../../domain/loyalty';
import { phoneKey } from '../../domain/phone';
import { MAX_KEY_BYTES, MAX_METADATA_KEYS, MAX_STRING_CHARS } from '../../ingest/event-limits';
import type { CardFilters, OperationInput } from '../../store/hubrise/hubrise-store';

/** One problem of a request: 400 (not a field this endpoint takes) or 422 (a value it cannot take). */
export interface FieldError {
  field: string;
  message: string;
}
export type Checked<T> = { ok: true; value: T } | { ok: false; status: 400 | 422; errors: FieldError[] };

/** Customer lists shown per page by default, and at most (HubRise documents 100 for both; more may be asked here). */
export const DEFAULT_COUNT = 100;
export const MAX_COUNT = 1000;
export const MAX_NAME_CHARS = 200;

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value == 'object' && value !== null && !Array.isArray(value);

/** ISO 3166-1 alpha-2: the 249 assigned codes. */
const COUNTRIES: ReadonlySet<string> = new Set(
  `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI
   CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR
   GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU
   LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL
   PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
   TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`.split(/\s+/),
);

/** A real calendar date YYYY-MM-DD ("1999-02-30" is none). */
const isDate = (value: string): boolean => {
  const date = /^\d{4}-\d\d-\d\d$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  return !!date && !isNaN(date.getTime()) && date.toISOString().startsWith(value);
};

/** Collects the problems of one body. */
class Problems {
  readonly list: FieldError[] = [];
  status: 400 | 422 = 422;
  unknown(field: string, message = 'not a field of this request') {
    this.status = 400;
    this.list.push({ field, message });
  }
  invalid(field: string, message: string) {
    this.list.push({ field, message });
  }
  result<T>(value: T): Checked<T> {
    return this.list.length ? { ok: false, status: this.status, errors: this.list } : { ok: true, value };
  }
}

const notObject = (): Checked<never> => ({ ok: false, status: 400, errors: [{ field: 'body', message: 'the body must be a JSON object' }] });

/** A text field: string (at most `max` characters) or null. */
function text(problems: Problems, field: string, value: unknown, max = MAX_STRING_CHARS): string | null | undefined {
  if (value === null) return null;
  if (typeof value != 'string') return void problems.invalid(field, 'must be a string or null');
  if (value.length > max) return void problems.invalid(field, `at most ${max} characters`);
  return value;
}

/** An identifier a client sets (private_ref, card ref, order_id): at most 512 bytes; "" is none. */
function identifier(problems: Problems, field: string, value: unknown): string | null | undefined {
  if (value === null || value === '') return null;
  if (typeof value == 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value != 'string') return void problems.invalid(field, 'must be a string or null');
  if (Buffer.byteLength(value) > MAX_KEY_BYTES) return void problems.invalid(field, `at most ${MAX_KEY_BYTES} bytes`);
  return value;
}

/** A decimal coordinate as a string ("48.8589507"), within ±limit. */
function coordinate(problems: Problems, field: string, value: unknown, limit: number): string | null | undefined {
  if (value === null || value === '') return null;
  const textValue = typeof value == 'number' && Number.isFinite(value) ? String(value) : typeof value == 'string' ? value.trim() : undefined;
  if (textValue === undefined || !/^[+-]?\d{1,3}(\.\d{1,15})?$/.test(textValue) || Math.abs(Number(textValue)) > limit)
    return void problems.invalid(field, `must be a decimal from -${limit} to ${limit}, as a string ("48.8589507")`);
  return textValue;
}

/** Customer fields that are text in the model, by their HubRise name. */
const CUSTOMER_TEXT: ReadonlyMap<string, string> = new Map([
  ['first_name', 'first_name'],
  ['last_name', 'last_name'],
  ['company_name', 'company'],
  ['phone_access_code', 'phone_access_code'],
  ['address_1', 'address1'],
  ['address_2', 'address2'],
  ['postal_code', 'postal_code'],
  ['city', 'city'],
  ['state', 'state'],
  ['delivery_notes', 'delivery_notes'],
]);
/** What a customer answer shows but no request sets. */
const CUSTOMER_READ_ONLY: ReadonlySet<string> = new Set([
  'id', 'customer_list_id', 'anonymised', 'created_at', 'nb_orders', 'order_total', 'first_order_date', 'last_order_date', 'loyalty_cards',
]);

/** A customer body (create or update): every field optional; null clears one. */
export function parseCustomerBody(body: unknown): Checked<HubriseCustomerPatch> {
  if (!isPlainObject(body)) return notObject();
  const problems = new Problems();
  const patch: HubriseCustomerPatch = { profile: {}, consent: {} };
  const profile = patch.profile as Record<string, unknown>;
  for (const [field, value] of Object.entries(body)) {
    const model = CUSTOMER_TEXT.get(field);
    if (model) {
      const checked = text(problems, field, value);
      if (checked !== undefined) profile[model] = checked;
      continue;
    }
    switch (field) {
      case 'private_ref': {
        const checked = identifier(problems, field, value);
        if (checked !== undefined) patch.private_ref = checked;
        break;
      }
      case 'email': {
        if (value === null || value === '') patch.email = null;
        else if (typeof value != 'string' || !toEmail(value)) problems.invalid(field, 'not a valid email address');
        else patch.email = toEmail(value)!;
        break;
      }
      case 'gender':
        if (value === null || value === '') profile.gender = null;
        else if (value === 'male' || value === 'female') profile.gender = value == 'male' ? 'm' : 'f';
        else problems.invalid(field, 'must be "male", "female" or null');
        break;
      case 'birth_date':
        if (value === null || value === '') profile.birthdate = null;
        else if (typeof value == 'string' && isDate(value)) profile.birthdate = value;
        else problems.invalid(field, 'must be a date YYYY-MM-DD');
        break;
      case 'phone':
        if (value === null || value === '') profile.phone = null;
        else if (typeof value == 'string' && value.length <= 64 && /^[+0-9 ()./-]+$/.test(value) && phoneKey(value) !== null) profile.phone = value.trim();
        else problems.invalid(field, 'must be a phone number, in E.164 format (+44123456789)');
        break;
      case 'country':
        if (value === null || value === '') profile.country = null;
        else if (typeof value == 'string' && COUNTRIES.has(value.toUpperCase())) profile.country = value.toUpperCase();
        else problems.invalid(field, 'must be a two-letter country code of ISO 3166-1 (GB, FR, ...)');
        break;
      case 'latitude':
      case 'longitude': {
        const checked = coordinate(problems, field, value, field == 'latitude' ? 90 : 180);
        if (checked !== undefined) profile[field] = checked;
        break;
      }
      case 'email_marketing':
      case 'sms_marketing':
        if (value === null || typeof value == 'boolean') patch.consent[field == 'email_marketing' ? 'email' : 'sms'] = value;
        else problems.invalid(field, 'must be true, false or null');
        break;
      case 'custom_fields': {
        if (value === null) patch.customFields = null;
        else if (!isPlainObject(value)) problems.invalid(field, 'must be a JSON object');
        else if (Object.keys(value).length > MAX_METADATA_KEYS) problems.invalid(field, `at most ${MAX_METADATA_KEYS} keys`);
        else if (Object.keys(value).some((key) => !key || Buffer.byteLength(key) > MAX_KEY_BYTES)) problems.invalid(field, `keys of 1 to ${MAX_KEY_BYTES} bytes`);
        else patch.customFields = value;
        break;
      }
      default:
        if (CUSTOMER_READ_ONLY.has(field)) problems.unknown(field, 'read-only: the API sets it');
        else problems.unknown(field.slice(0, 100));
    }
  }
  return problems.result(patch);
}

/** A customer list body: `name` (required when `required`). */
export function parseListBody(body: unknown, required: boolean): Checked<{ name?: string }> {
  if (!isPlainObject(body)) return notObject();
  const problems = new Problems();
  const out: { name?: string } = {};
  for (const [field, value] of Object.entries(body)) {
    if (field == 'name') {
      if (typeof value != 'string' || !value.trim() || value.length > MAX_NAME_CHARS) problems.invalid(field, `must be a string of 1 to ${MAX_NAME_CHARS} characters`);
      else out.name = value;
    } else if (field == 'id' || field == 'created_at') problems.unknown(field, 'read-only: the API sets it');
    else problems.unknown(field.slice(0, 100));
  }
  if (required && out.name === undefined && !problems.list.length) problems.invalid('name', 'required');
  return problems.result(out);
}

/** A loyalty card body: create (customer_id required) or update (name and ref only). */
export function parseCardBody(body: unknown, create: boolean): Checked<{ customer?: string; name?: string | null; ref?: string | null }> {
  if (!isPlainObject(body)) return notObject();
  const problems = new Problems();
  const out: { customer?: string; name?: string | null; ref?: string | null } = {};
  for (const [field, value] of Object.entries(body)) {
    switch (field) {
      case 'customer_id':
        if (!create) problems.unknown(field, 'cannot be changed: a card stays with its customer');
        else if (typeof value != 'string' || !value) problems.invalid(field, 'must be the id of a customer of this list');
        else out.customer = value;
        break;
      case 'name': {
        const checked = text(problems, field, value);
        if (checked !== undefined) out.name = checked;
        break;
      }
      case 'ref':
        if (value === null) out.ref = null;
        else if (typeof value != 'string' || !value || Buffer.byteLength(value) > MAX_KEY_BYTES)
          problems.invalid(field, `must be a string of 1 to ${MAX_KEY_BYTES} bytes, or null`);
        else out.ref = value;
        break;
      case 'balance':
        problems.unknown(field, 'cannot be set: create a loyalty operation to change the balance');
        break;
      case 'id':
        problems.unknown(field, 'read-only: the API sets it');
        break;
      default:
        problems.unknown(field.slice(0, 100));
    }
  }
  if (create && out.customer === undefined && !problems.list.some((problem) => problem.field == 'customer_id')) problems.invalid('customer_id', 'required');
  return problems.result(out);
}

const OPERATION_READ_ONLY: ReadonlySet<string> = new Set(['id', 'customer_id', 'created_at', 'new_balance', 'order_location_id']);

/** A loyalty operation body: `delta` required, `order_id` and `reason` optional. */
export function parseOperationBody(body: unknown): Checked<OperationInput> {
  if (!isPlainObject(body)) return notObject();
  const problems = new Problems();
  const out: OperationInput = { delta: 0, order_id: null, reason: null };
  let delta = false;
  for (const [field, value] of Object.entries(body)) {
    if (field == 'delta') {
      const points = parsePoints(value);
      if ('reason' in points) problems.invalid(field, points.reason);
      else {
        out.delta = points.millionths;
        delta = true;
      }
    } else if (field == 'order_id') out.order_id = identifier(problems, field, value) ?? null;
    else if (field == 'reason') out.reason = text(problems, field, value) ?? null;
    else if (OPERATION_READ_ONLY.has(field)) problems.unknown(field, 'read-only: the API sets it');
    else problems.unknown(field.slice(0, 100));
  }
  if (!delta && !problems.list.some((problem) => problem.field == 'delta')) problems.invalid('delta', 'required');
  return problems.result(out);
}

/** Paging (`count`, `cursor`) and the filters an index endpoint takes; other query parameters are refused. */
export function parseIndexQuery<F extends string>(
  query: URLSearchParams,
  filters: readonly F[],
): Checked<{ count: number; cursor: string | undefined; filters: Partial<Record<F, string>> }> {
  const problems = new Problems();
  const out = { count: DEFAULT_COUNT, cursor: undefined as string | undefined, filters: {} as Partial<Record<F, string>> };
  const seen = new Set<string>();
  for (const [name, value] of query) {
    if (seen.has(name)) {
      problems.unknown(name.slice(0, 100), 'given twice');
      continue;
    }
    seen.add(name);
    if (name == 'count') {
      if (!/^\d{1,4}$/.test(value) || +value < 1 || +value > MAX_COUNT) problems.unknown(name, `an integer from 1 to ${MAX_COUNT}`);
      else out.count = +value;
    } else if (name == 'cursor') {
      if (!value || value.length > 1500) problems.unknown(name, 'the value of a previous X-Cursor-Next header');
      else out.cursor = value;
    } else if ((filters as readonly string[]).includes(name)) out.filters[name as F] = value;
    else problems.unknown(name.slice(0, 100), 'not a parameter of this endpoint');
  }
  return problems.result(out);
}

export type { CardFilters, CustomerFilters };
