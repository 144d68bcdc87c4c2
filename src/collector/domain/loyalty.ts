/**
 * Loyalty cards and their operations (seed 004): a card belongs to one customer of one list; its
 * balance is the sum of an append-only ledger of operations, kept with the card and never set.
 * Points are decimals kept as integer millionths, so that a thousand operations of 0.1 make
 * exactly 100 (no float drift). Every operation also moves the customer's points statistics,
 * which the loyalty platform's reads show. Pure.
 */
import type { CustomerStats } from './records';

/** Millionths per point. */
export const POINT_SCALE = 1_000_000;
/** Largest delta, and largest balance, in points: its millionths stay exact integers in JavaScript and JSON. */
export const MAX_POINTS = 1_000_000_000;
/** Decimals a point value may have. */
export const POINT_DECIMALS = 6;
/** Cards a customer answer shows (the first ones made). */
export const CARDS_SHOWN = 100;

export interface LoyaltyCardRow {
  site: string;
  id: string;
  /** The customer list (container) of its customer. */
  list: string;
  customer: string;
  name: string | null;
  ref: string | null;
  /** Millionths: the new_balance of its latest operation (0 without any). */
  balance: number;
  created_at: number;
  seq: number;
}

export interface LoyaltyOperationRow {
  site: string;
  id: string;
  list: string;
  card: string;
  customer: string;
  created_at: number;
  /** As the client gave it: an order's id or its order_number. */
  order_id: string | null;
  order_location_id: string | null;
  reason: string | null;
  /** Millionths. */
  delta: number;
  new_balance: number;
  seq: number;
}

/** A point value ("4.2", "-13.5", 4.2) in millionths, or why it is not one. */
export function parsePoints(value: unknown): { millionths: number } | { reason: string } {
  let text: string;
  if (typeof value == 'number') {
    if (!Number.isFinite(value)) return { reason: 'must be a decimal number' };
    text = String(value);
  } else if (typeof value == 'string') text = value.trim();
  else return { reason: 'must be a decimal number, as a string ("4.2") or a number' };
  const match = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(text) ?? /^([+-]?)()\.(\d+)$/.exec(text);
  if (!match) return { reason: `must be a decimal number ("4.2"), not ${JSON.stringify(text.slice(0, 40))}` };
  const [, sign, whole, fraction = ''] = match;
  const decimals = fraction.replace(/0+$/, '');
  if (decimals.length > POINT_DECIMALS) return { reason: `at most ${POINT_DECIMALS} decimals` };
  const units = whole.replace(/^0+(?=\d)/, '') || '0';
  if (units.length > 10 || Number(units) > MAX_POINTS || (Number(units) == MAX_POINTS && Number(decimals || 0) > 0))
    return { reason: `at most ${MAX_POINTS.toLocaleString('en')} in absolute value` };
  const millionths = Number(units) * POINT_SCALE + Number(decimals.padEnd(POINT_DECIMALS, '0'));
  return { millionths: sign == '-' && millionths ? -millionths : millionths };
}

/** Millionths as the seed writes points: "13.5", "0.0", "-4.25" (at least one decimal, no trailing zeros). */
export function formatPoints(millionths: number): string {
  const sign = millionths < 0 ? '-' : '';
  const absolute = Math.abs(millionths);
  const fraction = String(absolute % POINT_SCALE).padStart(POINT_DECIMALS, '0').replace(/0+$/, '');
  return `${sign}${Math.floor(absolute / POINT_SCALE)}.${fraction || '0'}`;
}

/** The customer's statistics after an operation of `delta` at `at`, or why it cannot be kept exactly. */
export function withOperation(stats: CustomerStats, delta: number, at: number): CustomerStats | { reason: string } {
  const next: CustomerStats = { ...stats, points_balance: stats.points_balance + delta };
  if (delta > 0) {
    next.points_earned = stats.points_earned + delta;
    next.last_points_earned_at = at;
  } else if (delta < 0) {
    next.points_redeemed = stats.points_redeemed - delta;
    next.last_points_redeemed_at = at;
  }
  if (![next.points_balance, next.points_earned, next.points_redeemed].every(Number.isSafeInteger))
    return { reason: "the customer's points totals would pass what is kept exactly (about 9,007,199,254 points)" };
  return next;
}

/** The new balance of a card after `delta`, or why it is refused. */
export function nextBalance(balance: number, delta: number): { balance: number } | { reason: string } {
  const next = balance + delta;
  return Math.abs(next) > MAX_POINTS * POINT_SCALE
    ? { reason: `the balance would pass ${MAX_POINTS.toLocaleString('en')} points in absolute value` }
    : { balance: next };
}
