/**
 * One customer of a Custobar upload (seed 001) read into a CustomerImport: its field names,
 * `""` to remove a key, `tags` / `mailing_lists` with `.add` and `.remove`, `can_*` permissions,
 * `date_joined` / `last_login` in the site's time zone when they carry none, company-specific
 * `PREFIX__name` fields kept as metadata, `is_deleted` and `is_forgotten`. Strict like the rest
 * of the REST API: a record with an unknown field or a wrong type is refused with the reason
 * (and only that record). Pure.
 */
import { toEmail } from '../../../protocol/fields';
import type { CustomerImport, SetChange } from '../../domain/customer-import';
import { phoneKey } from '../../domain/phone';
import type { ConsentChannel, ProfileFields } from '../../domain/records';
import { toUtcIso } from '../../domain/zoned-time';
import { MAX_KEY_BYTES, MAX_STRING_CHARS, MAX_TAGS, storableText } from '../../ingest/event-limits';
import { isPlainObject } from '../rest-context';

export type CustobarRecord = { ok: true; record: CustomerImport } | { ok: false; reason: string };

/**
 * Custobar's text fields and the profile field each is kept in. Maps, not objects: a lookup of
 * "constructor" or "toString" in an object literal finds Object.prototype's members.
 */
const TEXT_FIELDS: ReadonlyMap<string, keyof ProfileFields> = new Map(Object.entries({
  canonical_id: 'canonical_id',
  first_name: 'first_name',
  last_name: 'last_name',
  shop_id: 'shop_id',
  city: 'city',
  company: 'company',
  house_number: 'house_number',
  house_number_addition: 'house_number_addition',
  province: 'state',
  street_address: 'address1',
  street_name: 'street_name',
  vat_number: 'vat_number',
  zip_code: 'postal_code',
} satisfies Record<string, keyof ProfileFields>)) as ReadonlyMap<string, keyof ProfileFields>;

const CONSENT_FIELDS: ReadonlyMap<string, ConsentChannel> = new Map(Object.entries({
  can_email: 'email',
  can_sms: 'sms',
  can_post: 'post',
  can_push: 'push',
  can_profile: 'profiling',
} satisfies Record<string, ConsentChannel>)) as ReadonlyMap<string, ConsentChannel>;

/** "A company short name and a double underscore" before the field's own name. */
const COMPANY_FIELD = /^[A-Za-z0-9]+__[A-Za-z0-9_]+$/;
const EXTERNAL_ID = /^[A-Za-z0-9-]{1,128}$/;
const MAX_LIST_ID_BYTES = MAX_KEY_BYTES;

class Refusal extends Error {}
const refuse = (field: string, reason: string): never => {
  throw new Refusal(`${field}: ${reason}`);
};

/** Text as stored: numbers are accepted where Custobar's examples give text ("house_number": 3). */
function text(field: string, value: unknown): string {
  if (typeof value == 'number' && Number.isFinite(value)) return String(value);
  if (typeof value != 'string') return refuse(field, 'must be a string');
  if (value.length > MAX_STRING_CHARS) refuse(field, `at most ${MAX_STRING_CHARS} characters`);
  return storableText(value);
}

/** A set of strings: one string or an array of them. */
function stringSet(field: string, value: unknown, max: number, maxBytes = MAX_STRING_CHARS): string[] {
  const entries = typeof value == 'string' ? [value] : value;
  if (!Array.isArray(entries) || !entries.every((entry) => typeof entry == 'string' && entry.trim() && Buffer.byteLength(entry) <= maxBytes))
    return refuse(field, `a string or an array of non-empty strings (of at most ${maxBytes} bytes)`);
  if (entries.length > max) refuse(field, `at most ${max} entries`);
  return (entries as string[]).map((entry) => storableText(entry.trim()));
}

const isValidDate = (value: string): boolean => {
  const date = /^\d{4}-\d\d-\d\d$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  return !!date && !isNaN(date.getTime()) && date.toISOString().startsWith(value);
};

/** Reads one element of `customers`; `timezone` is the site's, for datetimes without a zone. */
export function readCustobarRecord(input: unknown, timezone: string): CustobarRecord {
  if (!isPlainObject(input)) return { ok: false, reason: 'each customer must be a JSON object' };
  const record: CustomerImport = { fields: {}, consent: {}, metadata: {}, deleted: false, forgotten: false };
  const fields = record.fields as Record<string, unknown>;
  const sets: { tags?: SetChange; mailingLists?: SetChange } = {};
  const setChange = (name: 'tags' | 'mailingLists', part: keyof SetChange, entries: string[]): void => {
    (sets[name] ??= {})[part] = entries;
  };
  try {
    for (const [field, value] of Object.entries(input)) {
      if (value === null || value === undefined) refuse(field, 'null is not a value; "" removes a key');
      const removes = value === '';
      if (field == 'external_id') {
        if (removes) record.external_id = null;
        else if (typeof value != 'string' || !EXTERNAL_ID.test(value)) refuse(field, 'letters, numbers and dashes only (at most 128)');
        else record.external_id = value;
      } else if (field == 'email') {
        const email = removes ? null : toEmail(value);
        if (email === undefined) refuse(field, 'not a valid email address');
        record.email = email ?? null;
      } else if (field == 'phone_number') {
        if (removes) {
          record.phone = null;
          record.phoneKey = null;
        } else {
          const key = phoneKey(value);
          if (typeof value != 'string' || key === null || !key.startsWith('+')) refuse(field, 'a phone number with its country prefix, e.g. +358101234567');
          record.phone = text(field, value).trim();
          record.phoneKey = key;
        }
      } else if (TEXT_FIELDS.has(field)) {
        fields[TEXT_FIELDS.get(field)!] = removes ? null : text(field, value);
      } else if (CONSENT_FIELDS.has(field)) {
        if (!removes && typeof value != 'boolean') refuse(field, 'true or false ("" makes it unknown again)');
        record.consent[CONSENT_FIELDS.get(field)!] = removes ? null : (value as boolean);
      } else if (field == 'date_joined' || field == 'last_login') {
        const iso = removes ? null : typeof value == 'string' ? toUtcIso(value, timezone) : undefined;
        if (iso === undefined) refuse(field, 'a date or date-time, e.g. 2015-08-28 or 2015-08-28T14:10:00Z');
        fields[field] = iso;
      } else if (field == 'birth_date') {
        if (!removes && !(typeof value == 'string' && isValidDate(value))) refuse(field, 'a date formatted year-month-day, e.g. 1991-06-14');
        fields.birthdate = removes ? null : value;
      } else if (field == 'country') {
        if (!removes && !(typeof value == 'string' && /^[A-Za-z]{2}$/.test(value))) refuse(field, 'a two-letter country code, e.g. se');
        fields.country = removes ? null : (value as string).toUpperCase();
      } else if (field == 'language') {
        if (!removes && !(typeof value == 'string' && /^[A-Za-z]{2}([-_][A-Za-z]{2,4})?$/.test(value))) refuse(field, 'a language code, e.g. sv');
        // The two-letter language (what Rejoiner's customers keep); a region is not kept.
        fields.language = removes ? null : (value as string).slice(0, 2).toLowerCase();
      } else if (field == 'gender') {
        const given = removes ? null : text(field, value).trim();
        fields.gender = given === null ? null : /^(m|male)$/i.test(given) ? 'm' : /^(f|female)$/i.test(given) ? 'f' : given;
      } else if (field == 'tags' || field == 'mailing_lists') {
        const name = field == 'tags' ? 'tags' : 'mailingLists';
        setChange(name, 'set', removes ? [] : stringSet(field, value, field == 'tags' ? MAX_TAGS : 1000, field == 'tags' ? MAX_STRING_CHARS : MAX_LIST_ID_BYTES));
      } else if (/^(tags|mailing_lists)\.(add|remove)$/.test(field)) {
        const [base, part] = field.split('.') as ['tags' | 'mailing_lists', 'add' | 'remove'];
        const entries = stringSet(field, value, base == 'tags' ? MAX_TAGS : 1000, base == 'tags' ? MAX_STRING_CHARS : MAX_LIST_ID_BYTES);
        setChange(base == 'tags' ? 'tags' : 'mailingLists', part, entries);
      } else if (field == 'is_deleted' || field == 'is_forgotten') {
        if (typeof value != 'boolean') refuse(field, 'true or false');
        // false never undoes either (seed 001): it is simply nothing to do.
        if (field == 'is_deleted') record.deleted = value as boolean;
        else record.forgotten = value as boolean;
      } else if (COMPANY_FIELD.test(field)) {
        if (Buffer.byteLength(field) > MAX_KEY_BYTES) refuse(field.slice(0, 64), `field names of at most ${MAX_KEY_BYTES} bytes`);
        if (typeof value == 'string' && value.length > MAX_STRING_CHARS) refuse(field, `at most ${MAX_STRING_CHARS} characters`);
        if (typeof value == 'object' && JSON.stringify(value).length > MAX_STRING_CHARS) refuse(field, `at most ${MAX_STRING_CHARS} characters of JSON`);
        Object.defineProperty(record.metadata, field, { value: removes ? null : value, enumerable: true, writable: true, configurable: true });
      } else refuse(field.slice(0, 64), 'unknown field (company-specific fields are named PREFIX__name)');
    }
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, reason: error.message };
    throw error;
  }
  if (!record.external_id && !record.email && !record.phone)
    return { ok: false, reason: 'a customer must be identified by at least one of external_id, phone_number or email' };
  if (sets.tags) record.tags = sets.tags;
  if (sets.mailingLists) record.mailingLists = sets.mailingLists;
  return { ok: true, record };
}
