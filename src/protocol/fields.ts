/**
 * Coercion of single payload values into their wire form (PROTOCOL.md, "Normalization rules").
 * Pure: no DOM, no Node. Each coercer returns `undefined` to drop a value and reports why
 * through `warn`; none throws.
 */
import type { Metadata, Warn } from './types';

/** Field kinds of a payload shape, one letter each so that shape specs stay short. */
export type FieldKind =
  | 's' // string
  | 'i' // integer
  | 'm' // money: integer cents
  | 'l' // list of strings (category, tags)
  | 'g' // gender: m | f
  | 'n' // language: two lower-case letters
  | 'd' // date: YYYY-MM-DD
  | 'p' // product id: non-empty string
  | 'x'; // read and ignored (handled by the caller)

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value == 'object' && value != null && !Array.isArray(value);

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** Trimmed, lower-cased email, or undefined when it does not look like one. */
export const toEmail = (value: unknown): string | undefined => {
  const email = typeof value == 'string' ? value.trim().toLowerCase() : '';
  return email.length < 255 && EMAIL.test(email) ? email : undefined;
};

/** Numbers and numeric strings ("7996", "1.0000") as a number; anything else as NaN. */
const toNumber = (value: unknown): number =>
  typeof value == 'number'
    ? value
    : typeof value == 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(value)
      ? +value
      : NaN;

/** A string for a metadata value: objects as JSON, null and functions dropped. */
export const toMetaString = (value: unknown): string | undefined => {
  if (value == null || typeof value == 'function') return undefined;
  if (typeof value != 'object') return '' + value;
  try {
    return JSON.stringify(value);
  } catch {
    return undefined; // a cyclic object: nothing sensible to keep
  }
};

/** Merges a `metadata` object into `into`, stringifying its values. */
export const mergeMetadata = (into: Metadata, value: unknown): void => {
  if (isObject(value))
    for (const key in value) {
      const text = toMetaString(value[key]);
      if (text !== undefined) into[key] = text;
    }
};

/** Coerces `value` to the wire form of `kind`; `undefined` drops it (with a warning). */
export function coerce(kind: FieldKind, value: unknown, field: string, warn: Warn): unknown {
  const bad = (): undefined => void warn(`${field}: dropped ${toMetaString(value)}`);
  switch (kind) {
    case 'i':
    case 'm': {
      const number = toNumber(value);
      if (!isFinite(number)) return bad();
      const whole = Math.round(number);
      if (whole != number) warn(`${field}: rounded ${number} to ${whole}`);
      return whole;
    }
    case 'l':
      if (Array.isArray(value))
        return value.filter((item) => item != null && item !== '').map((item) => '' + item);
      if (value === '' || value == null) return [];
      return typeof value == 'object' ? bad() : ['' + value];
    case 'g': {
      const gender = ('' + value).toLowerCase();
      return /^(m|male)$/.test(gender) ? 'm' : /^(f|female)$/.test(gender) ? 'f' : bad();
    }
    case 'n':
      return /^[a-z]{2}([-_]|$)/i.test(value as string)
        ? (value as string).slice(0, 2).toLowerCase()
        : bad();
    case 'd': {
      const date = /^\d{4}-\d\d-\d\d$/.test(value as string) && new Date(value as string);
      return date && date.toISOString().startsWith(value as string) ? value : bad();
    }
    case 'p': {
      const id = typeof value == 'number' || typeof value == 'string' ? ('' + value).trim() : '';
      return id || bad();
    }
    default:
      return typeof value == 'object' || typeof value == 'function' ? bad() : '' + value;
  }
}
