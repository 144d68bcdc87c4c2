/**
 * The query parameters of the dashboard's JSON reads, checked before any query runs: each read
 * names the parameters it takes, anything else (unknown, repeated, malformed, out of bounds) is a
 * 400 with the parameter's name. Dates are days in the site's time zone; a range is at most
 * MAX_RANGE_DAYS and defaults to the last DEFAULT_RANGE_DAYS (today included).
 */
import { CART_STATES, type CartState } from '../domain/cart-state';
import { toUtcIso } from '../domain/zoned-time';
import type { TimeRange } from '../store/dashboard-reads';

export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 366;
export const DEFAULT_PAGE = 25;
export const MAX_PAGE = 100;
export const MAX_SEARCH_CHARS = 320;
/** Ids of sessions and orders are at most this long (PROTOCOL.md string limit). */
export const MAX_ID_CHARS = 2000;

/** A refused parameter: answered 400 with the reason. */
export class ParamError extends Error {}

const DAY = /^(\d{4})-(\d\d)-(\d\d)$/;

/** Today's date (YYYY-MM-DD) in `zone`. */
export const todayIn = (zone: string, now: number): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);

/** The day `days` after the day `day` (both YYYY-MM-DD). */
export function addDays(day: string, days: number): string {
  const [, y, m, d] = DAY.exec(day)!;
  return new Date(Date.UTC(+y, +m - 1, +d + days)).toISOString().slice(0, 10);
}

const daysBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 86_400_000;

/** A local range of whole days and the instants it covers. */
export interface DayRange extends TimeRange {
  /** First and last day, included. */
  first: string;
  last: string;
  timezone: string;
}

/** Reads the parameters of one request, allowing only `allowed` names. */
export function readParams(search: URLSearchParams, allowed: readonly string[]) {
  const seen = new Set<string>();
  for (const name of search.keys()) {
    if (!allowed.includes(name)) throw new ParamError(`unknown parameter "${name.slice(0, 40)}": this read takes ${allowed.join(', ') || 'none'}`);
    if (seen.has(name)) throw new ParamError(`parameter "${name}" is given twice`);
    seen.add(name);
  }
  const text = (name: string): string | undefined => search.get(name) ?? undefined;
  return {
    text,
    /** The day range of `from` and `to` in `zone`. */
    range(zone: string, now: number): DayRange {
      const today = todayIn(zone, now);
      const last = text('to') ?? today;
      midnight('to', last, zone);
      const first = text('from') ?? addDays(last, 1 - DEFAULT_RANGE_DAYS);
      const start = midnight('from', first, zone);
      if (last < first) throw new ParamError('"from" is after "to"');
      if (daysBetween(first, last) + 1 > MAX_RANGE_DAYS) throw new ParamError(`a range covers at most ${MAX_RANGE_DAYS} days`);
      return { first, last, from: start, to: midnight('to', addDays(last, 1), zone), timezone: zone };
    },
    /** An integer in [min, max], or `fallback` when absent. */
    integer(name: string, min: number, max: number, fallback: number): number {
      const value = text(name);
      if (value === undefined) return fallback;
      if (!/^\d{1,16}$/.test(value) || +value < min || +value > max) throw new ParamError(`"${name}" must be a whole number from ${min} to ${max}`);
      return +value;
    },
    state(): CartState | 'all' {
      const value = text('state') ?? 'abandoned';
      if (value != 'all' && !CART_STATES.includes(value as CartState)) throw new ParamError(`"state" must be one of all, ${CART_STATES.join(', ')}`);
      return value as CartState | 'all';
    },
    /** The (written_at, id) key of a cart page's cursor. */
    cartCursor(): [number, string] | undefined {
      const value = text('after');
      if (value === undefined) return undefined;
      const dot = value.indexOf('.');
      const at = value.slice(0, dot);
      const id = dot > 0 ? Buffer.from(value.slice(dot + 1), 'base64url').toString() : '';
      if (!/^\d{1,16}$/.test(at) || !id || id.length > MAX_ID_CHARS) throw new ParamError('"after" is not a cursor this dashboard gave');
      return [+at, id];
    },
    search(): string {
      const value = (text('q') ?? '').trim();
      if (!value) throw new ParamError('"q" is required: an email, an order id or a session id');
      if (value.length > MAX_SEARCH_CHARS) throw new ParamError(`"q" is longer than ${MAX_SEARCH_CHARS} characters`);
      return value;
    },
  };
}

/** The cursor of the page after `row` in the cart listing. */
export const cartCursorOf = (row: { written_at: number; id: string }): string => `${row.written_at}.${Buffer.from(row.id).toString('base64url')}`;

function midnight(name: string, day: string, zone: string): number {
  const match = DAY.exec(day);
  const iso = match && +match[1] >= 2000 && +match[1] <= 2999 ? toUtcIso(day, zone) : undefined;
  if (!iso) throw new ParamError(`"${name}" must be a day as YYYY-MM-DD (from 2000 on), read in the site's time zone ${zone}`);
  return Date.parse(iso);
}
