/**
 * Coercion of single payload values into their wire form (PROTOCOL.md, "Normalization rules").
 * Pure: no DOM, no Node. Each coercer returns `undefined` to drop a value and reports why
 * through `report` (warnings.ts); none throws. Written for size: it ships in the browser core.
 */
import type { Metadata } from './types';
import { DROPPED, ROUNDED, type Report } from './warnings';

/**
 * Field kinds of a payload shape, one letter each so that shape specs stay short. Upper case in
 * a spec marks a required field (see shapes.ts).
 */
export type FieldKind =
  | 's' // string
  | 'i' // integer (money in cents too)
  | 'l' // list of strings (category, tags)
  | 'g' // gender: m | f
  | 'n' // language: two lower-case letters
  | 'd' // date: YYYY-MM-DD
  | 'p' // id: non-empty trimmed string
  | 'e' // email: trimmed, lower-cased
  | 'o' // source of an email: form | api
  | 't' // campaign type: abandonment | conversion, also as a one-element array
  | 'c' // nested cart data (shapes.ts)
  | 'a' // nested cart items (shapes.ts)
  | 'x'; // read and ignored (handled by the caller)

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value == 'object' && value != null && !Array.isArray(value);

/** Trimmed, lower-cased email, or undefined when it does not look like one. */
export const toEmail = (value: unknown): string | undefined => {
  const email = typeof value == 'string' ? value.trim().toLowerCase() : '';
  // No control characters (NUL, bell, escape, C1) and no U+FFFD (what the collector's JSON reader
  // makes of a NUL or a lone surrogate): no mail system takes them, and stored they would reach
  // every export and mail header the address is written into.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
  return email.length < 255 && /^[^\s@\x00-\x1f\x7f-\x9f\ufffd]+@[^\s@.\x00-\x1f\x7f-\x9f\ufffd]+(\.[^\s@.\x00-\x1f\x7f-\x9f\ufffd]+)+$/.test(email) ? email : undefined;
};

/**
 * A string for a metadata value: objects as JSON; null, functions and cycles dropped.
 *
 * The `space` argument (0: the same output) keeps V8 off its fast JSON path, which finds a cycle
 * only after 50-100 ms of work (Chromium 156, with or without DevTools; the general path throws
 * in microseconds). Pages do pass cyclic objects (DOM nodes, framework state), and each one
 * would be a long task on the shop's main thread. https://v8.dev/blog/json-stringify, "Limitations".
 */
export const toMetaString = (value: unknown): string | undefined => {
  try {
    return value == null || typeof value == 'function'
      ? undefined
      : typeof value == 'object'
        ? JSON.stringify(value, null, 0)
        : '' + value;
  } catch {
    return undefined; // a cyclic object: nothing sensible to keep
  }
};

/** Merges a `metadata` object into `into`, stringifying its values. */
export const mergeMetadata = (into: Metadata, value: unknown): void => {
  if (isObject(value))
    for (const key in value) {
      const text = toMetaString(value[key]);
      if (text != null) into[key] = text;
    }
};

/** Coerces `value` to the wire form of `kind`; `undefined` drops it (with a warning). */
export function coerce(kind: FieldKind, value: unknown, field: string, report: Report): unknown {
  const text = value == null || typeof value == 'object' || typeof value == 'function' ? '' : '' + value;
  let out: unknown = text;
  if (kind == 'i') {
    // Numbers and numeric strings ("7996", "1.0000"); a fraction is rounded with a warning.
    const number = typeof value == 'number' ? value : text.trim() ? +text : NaN;
    out = Math.round(number);
    if (!isFinite(number)) out = undefined;
    else if (out != number) report(ROUNDED, field, number, out);
  } else if (kind == 'l')
    out = Array.isArray(value)
      ? value.map(toMetaString).filter(Boolean)
      : text
        ? [text]
        : value == null || value === ''
          ? []
          : undefined;
  else if (kind == 'g') out = /^m(ale)?$/i.test(text) ? 'm' : /^f(emale)?$/i.test(text) ? 'f' : undefined;
  else if (kind == 'n') out = /^[a-z]{2}([-_]|$)/i.test(text) ? text.slice(0, 2).toLowerCase() : undefined;
  // The format the customer API asks for (seed 000); the calendar is the shop's business.
  else if (kind == 'd') out = /^\d{4}-[01]\d-[0-3]\d$/.test(text) ? text : undefined;
  else if (kind == 'p') out = text.trim() || undefined;
  else if (kind == 'e') out = toEmail(text);
  else if (kind == 'o') out = text == 'form' ? text : 'api';
  else if (kind == 't') {
    const type = Array.isArray(value) && value.length == 1 ? value[0] : value;
    out = /^(abandonment|conversion)$/.test(typeof type == 'string' ? type : '') ? type : undefined;
  }
  if (out === undefined || (kind == 's' && !text && value !== '')) return void report(DROPPED, field, value);
  return out;
}
