/**
 * Customer searches of a customer list (seed 004 "List Customers"): `private_ref` exact,
 * `email` and `phone` exact or with `*` wildcards. A search reads candidates from one source
 * in a stable order (an index range when the pattern starts with text, else the whole list in
 * creation order) and checks each candidate against every filter here, so both engines find
 * exactly the same customers. Emails are compared in lower case; phones in their lookup key
 * form (phone.ts: "+" and digits), so "+44 1234*" finds "+441234567890". Pure.
 */
import { phoneKey } from './phone';

export interface CustomerFilters {
  private_ref?: string;
  email?: string;
  phone?: string;
}

/** A filter as matched: its literal parts between the wildcards. */
interface Pattern {
  parts: string[];
  /** No wildcard at all: the value must equal parts[0]. */
  exact: boolean;
}

/**
 * Where candidates come from, in the source's order: the whole list (creation order), one
 * private_ref, or a range of emails or phone keys (ordered by the value, then creation).
 * `to` is exclusive; null: no upper bound. `exact`: from and to are the one value.
 */
export type CustomerSource =
  | { by: 'all' }
  | { by: 'private_ref'; value: string }
  | { by: 'email' | 'phone'; from: string; to: string | null; exact: boolean };

/** What a candidate row shows of itself, enough to check it against every filter. */
export interface CustomerCandidate {
  /** Its place in the list's creation order. */
  key: number;
  id: string;
  email: string | null;
  phone_key: string | null;
  private_ref: string | null;
  status: string;
}

export interface CustomerSearch {
  source: CustomerSource;
  /** Whether candidates of the source may still fail a filter (so a page reads more of them). */
  verify: boolean;
  accepts(candidate: CustomerCandidate): boolean;
}

const splitPattern = (text: string): Pattern => {
  const parts = text.split('*');
  return { parts, exact: parts.length == 1 };
};

/** Whether `value` matches the pattern (literal parts in order; the first anchored at the start, the last at the end). */
export function matchesPattern(value: string, pattern: Pattern): boolean {
  const { parts } = pattern;
  if (pattern.exact) return value == parts[0];
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!value.startsWith(first) || value.length < first.length + last.length || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/**
 * The smallest string after every string that starts with `prefix`, in code point order (which
 * is UTF-8 byte order, the order both engines' searches use): the last code point one higher,
 * skipping surrogates; null when there is none.
 */
export function prefixEnd(prefix: string): string | null {
  const points = [...prefix];
  while (points.length) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last == 0xd7ff ? 0xe000 : last + 1;
      return points.join('') + String.fromCodePoint(next);
    }
  }
  return null;
}

/** A phone pattern in key form ("+44 12*" → "+4412*"), or undefined when a part is not a phone number's. */
function phonePattern(text: string): Pattern | undefined {
  const pattern = splitPattern(text.trim());
  if (!pattern.parts.every((part) => /^[+0-9 ()./-]*$/.test(part)) || !/\d/.test(text)) return undefined;
  if (pattern.exact) {
    const key = phoneKey(text);
    return key === null ? undefined : { parts: [key], exact: true };
  }
  const parts = pattern.parts.map((part, index) => {
    const digits = part.replace(/\D/g, '');
    if (index > 0) return digits;
    const trimmed = part.trim();
    return trimmed.startsWith('+') ? `+${digits}` : trimmed.startsWith('00') ? `+${digits.slice(2)}` : digits;
  });
  return { parts, exact: false };
}

/** The search for `filters`, or the reason a filter cannot be one. */
export function planCustomerSearch(filters: CustomerFilters, checkStatus: boolean): CustomerSearch | { field: string; reason: string } {
  const email = filters.email === undefined ? undefined : splitPattern(filters.email.trim().toLowerCase());
  if (email && (filters.email!.length > 320 || !email.parts.join(''))) return { field: 'email', reason: 'an email or a pattern with "*" and some text' };
  const phone = filters.phone === undefined ? undefined : phonePattern(filters.phone);
  if (filters.phone !== undefined && (!phone || filters.phone.length > 64))
    return { field: 'phone', reason: 'a phone number (E.164: +44123456789) or a pattern of one with "*" (+44*)' };
  if (filters.private_ref !== undefined && (!filters.private_ref || Buffer.byteLength(filters.private_ref) > 512))
    return { field: 'private_ref', reason: 'a private_ref of 1 to 512 bytes' };

  // The narrowest source: one private_ref, an exact value, a range of values, or the whole list.
  const rangeOf = (by: 'email' | 'phone', pattern: Pattern): CustomerSource | undefined =>
    pattern.exact
      ? { by, from: pattern.parts[0], to: null, exact: true }
      : pattern.parts[0]
        ? { by, from: pattern.parts[0], to: prefixEnd(pattern.parts[0]), exact: false }
        : undefined;
  let source: CustomerSource = { by: 'all' };
  if (filters.private_ref !== undefined) source = { by: 'private_ref', value: filters.private_ref };
  else if (email?.exact) source = rangeOf('email', email)!;
  else if (phone?.exact) source = rangeOf('phone', phone)!;
  else source = (email && rangeOf('email', email)) ?? (phone && rangeOf('phone', phone)) ?? source;

  // Whether the source alone answers the search: then every candidate is a match.
  const covered = (pattern: Pattern | undefined, by: 'email' | 'phone'): boolean =>
    !pattern || (source.by == by && (pattern.exact || (pattern.parts.length == 2 && pattern.parts[1] == '')));
  const verify = checkStatus || !covered(email, 'email') || !covered(phone, 'phone') || (filters.private_ref !== undefined && (!!email || !!phone));
  return {
    source,
    verify,
    accepts: (candidate) =>
      (!checkStatus || candidate.status == 'active') &&
      (filters.private_ref === undefined || candidate.private_ref === filters.private_ref) &&
      (!email || (candidate.email !== null && matchesPattern(candidate.email, email))) &&
      (!phone || (candidate.phone_key !== null && matchesPattern(candidate.phone_key, phone))),
  };
}
