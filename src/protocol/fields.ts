/**
 * Coercion of single payload values into their wire form (PROTOCOL.md, "Normalization rules").
 * Pure: no DOM, no Node. Each coercer returns `undefined` to drop a value and reports why
 * through `report` (warnings.ts); none throws. Written for size: it ships in the browser core.
 */
import type { Metadata } from './types';
import { DROPPED, ROUNDED, type Report } from './warnings';

/**
 * Field kinds of a payload shape, one letter each so that shape specs stay short. Upper case in
 * a spec marks a required field (see specs.ts).
 */
export type FieldKind =
  | 's' // string
  | 'i' // integer (money in cents too)
  | 'l' // list of strings (category, tags)
  | 'p' // id: non-empty trimmed string
  | 'e' // email: trimmed, lower-cased
  | 't' // campaign type: abandonment | conversion, also as a one-element array
  | 'c' // nested cart data (shapes.ts)
  | 'a' // nested cart items (shapes.ts)
  | 'x' // read and ignored (handled by the caller)
  | keyof typeof CUSTOMER_KINDS // g, n, d: below
  | keyof typeof SOURCE_KIND; // o: below

/**
 * Kinds only customer data uses, as coercers of a value's text (undefined drops it). Shapes that
 * use them carry them (specs.ts), so that the browser core, whose shapes do not, ships none: the
 * extension module brings them with the shapes of its commands (extension-shapes.ts).
 */
export const CUSTOMER_KINDS = {
  /** Gender: m | f. */
  g: (text: string) => (/^m(ale)?$/i.test(text) ? 'm' : /^f(emale)?$/i.test(text) ? 'f' : undefined),
  /** Language: two lower-case letters. */
  n: (text: string) => (/^[a-z]{2}([-_]|$)/i.test(text) ? text.slice(0, 2).toLowerCase() : undefined),
  /** Date: YYYY-MM-DD, the format the customer API asks for (seed 000); the calendar is the shop's business. */
  d: (text: string) => (/^\d{4}-[01]\d-[0-3]\d$/.test(text) ? text : undefined),
};

/**
 * The source of an email (`form` | `api`), which only the collector checks (events.ts): the
 * browser core sets it itself (commands.ts), so its spec of customer_email keeps it as it is.
 */
export const SOURCE_KIND = {
  o: (text: string) => (text == 'form' ? text : 'api'),
};

/** Coercers of a value's text by kind, for the kinds a shape brings itself (CUSTOMER_KINDS, SOURCE_KIND). */
export type TextKinds = Record<string, (text: string) => string | undefined>;

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value == 'object' && value != null && !Array.isArray(value);

/**
 * What no email may hold: control characters (C0, DEL, C1) and U+FFFD (what the collector's JSON
 * reader makes of a NUL or a lone surrogate). No mail system takes them, and stored they would
 * reach every export and mail header the address is written into.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const CONTROL_CHARACTER = /[\x00-\x1f\x7f-\x9f\ufffd]/;

/** Trimmed, lower-cased email, or undefined when it does not look like one. */
export const toEmail = (value: unknown): string | undefined => {
  const email = typeof value == 'string' ? value.trim().toLowerCase() : '';
  // Checked apart from the address's form (one regex with the controls in each of its three
  // classes says the same in more bytes, and this file ships in the browser core).
  return email.length < 255 && !CONTROL_CHARACTER.test(email) && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(email) ? email : undefined;
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

/**
 * Coerces `value` to the wire form of `kind`, with `textKinds` for the kinds its shape brings;
 * `undefined` drops it (with a warning).
 */
export function coerce(kind: FieldKind, value: unknown, field: string, report: Report, textKinds?: TextKinds): unknown {
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
  else if (kind == 'p') out = text.trim() || undefined;
  else if (kind == 'e') out = toEmail(text);
  else if (kind == 't') {
    const type = Array.isArray(value) && value.length == 1 ? value[0] : value;
    out = /^(abandonment|conversion)$/.test(typeof type == 'string' ? type : '') ? type : undefined;
  } else if (textKinds?.[kind]) out = textKinds[kind](text);
  if (out === undefined || (kind == 's' && !text && value !== '')) return void report(DROPPED, field, value);
  return out;
}
