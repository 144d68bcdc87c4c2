/**
 * Validation of customer profile bodies (seed 000, `POST customers/`, `PUT customers/{id}/`):
 * email required; gender m or f; language at most two letters; birthdate YYYY-MM-DD; tags an
 * array of strings; metadata a JSON object. Unlike beacons, nothing is coerced: a merchant's
 * backend gets a 400 with the reason instead. `null` (and "" for gender and birthdate) clears a
 * field. Pure.
 */
import { toEmail } from '../../protocol/fields';
import type { ProfilePatch } from '../domain/customer-rules';
import { MAX_KEY_BYTES, MAX_METADATA_KEYS } from '../ingest/event-limits';

export const MAX_TEXT_CHARS = 2000;
export const MAX_TAGS = 1000;

const TEXT_FIELDS: ReadonlySet<string> = new Set([
  'first_name', 'last_name', 'phone', 'timezone', 'address1', 'address2', 'address3',
  'city', 'state', 'postal_code', 'country',
]);

/** Fields of the response shape that clients may send back unchanged; they are ignored. */
const READ_ONLY: ReadonlySet<string> = new Set([
  'id', 'is_unsubscribed', 'unsubscribe_date', 'is_opted_in', 'opt_in_date', 'opt_in_info', 'journeys_cancelled', 'journeys_cancelled_at',
]);

const KNOWN: ReadonlySet<string> = new Set(['age', 'gender', 'language', 'birthdate', 'tags', 'metadata']);

export type CustomerInput = { ok: true; email: string; profile: ProfilePatch } | { ok: false; reason: string };

type Checked = { value: unknown } | { reason: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value == 'object' && value != null && !Array.isArray(value);

/** A real calendar date: "1969-02-30" rolls over to March and "2023-13-01" is no date at all. */
const isValidDate = (value: string): boolean => {
  const date = /^\d{4}-\d\d-\d\d$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  return !!date && !isNaN(date.getTime()) && date.toISOString().startsWith(value);
};

/** Checks one field and gives the value to store. */
function checkField(field: string, value: unknown): Checked {
  const ok = (stored: unknown): Checked => ({ value: stored });
  const bad = (reason: string): Checked => ({ reason: `${field}: ${reason}` });
  if (value === null && (TEXT_FIELDS.has(field) || KNOWN.has(field))) return ok(null);
  if (TEXT_FIELDS.has(field)) {
    if (typeof value != 'string') return bad('must be a string');
    return value.length > MAX_TEXT_CHARS ? bad(`at most ${MAX_TEXT_CHARS} characters`) : ok(value);
  }
  switch (field) {
    case 'age':
      return typeof value == 'number' && Number.isFinite(value) && value >= 0 && value < 200
        ? ok(value)
        : bad('must be a number of years');
    case 'gender':
      if (value === '') return ok(null);
      return value === 'm' || value === 'f' ? ok(value) : bad('must be "m" or "f"');
    case 'language':
      return typeof value == 'string' && /^[A-Za-z]{0,2}$/.test(value) ? ok(value.toLowerCase()) : bad('at most 2 letters');
    case 'birthdate':
      if (value === '') return ok(null);
      return typeof value == 'string' && isValidDate(value) ? ok(value) : bad('must be a date YYYY-MM-DD');
    case 'tags':
      if (!Array.isArray(value) || !value.every((tag) => typeof tag == 'string' && tag.length <= MAX_TEXT_CHARS))
        return bad('must be an array of strings');
      return value.length > MAX_TAGS ? bad(`at most ${MAX_TAGS} tags`) : ok(value.slice());
    case 'metadata': {
      if (!isPlainObject(value)) return bad('must be a JSON object');
      if (Object.keys(value).length > MAX_METADATA_KEYS) return bad(`at most ${MAX_METADATA_KEYS} keys`);
      const long = Object.keys(value).find((key) => Buffer.byteLength(key) > MAX_KEY_BYTES);
      return long === undefined ? ok(value) : bad(`keys of at most ${MAX_KEY_BYTES} bytes (one has ${Buffer.byteLength(long)})`);
    }
    default:
      return bad('unknown field');
  }
}

/** Checks a profile body. */
export function parseCustomerInput(body: unknown): CustomerInput {
  if (!isPlainObject(body)) return { ok: false, reason: 'body must be a JSON object' };
  if (body.email === undefined || body.email === null || body.email === '') return { ok: false, reason: 'email: required' };
  const email = toEmail(body.email);
  if (!email) return { ok: false, reason: 'email: not a valid email address' };
  const profile: Record<string, unknown> = {};
  for (const field of Object.keys(body)) {
    if (field == 'email' || READ_ONLY.has(field)) continue;
    const checked = checkField(field.slice(0, 64), body[field]);
    if ('reason' in checked) return { ok: false, reason: checked.reason };
    // defineProperty: a field named "__proto__" was refused above, but stay safe by construction.
    Object.defineProperty(profile, field, { value: checked.value, enumerable: true, writable: true, configurable: true });
  }
  return { ok: true, email, profile: profile as ProfilePatch };
}
