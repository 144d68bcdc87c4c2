/**
 * Dates and times a platform sends without a zone ("2015-08-28", "2015-08-28T14:10:00"), read
 * in the site's time zone (sites file `timezone`; Custobar: "the timezone will be defaulted to
 * the timezone configured"). Pure, over the runtime's IANA data.
 */

const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?(Z|[+-]\d\d(?::?\d\d)?)?$/;

/** Date.UTC for any year: Date.UTC reads years 0-99 as 1900-1999 (0050 would become 1950). */
function utcOf(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(Date.UTC(2000, month, day, hour, minute, second, ms));
  return date.setUTCFullYear(year, month, day);
}

/** UTC offsets in use run from -12:00 to +14:00; anything past them is no zone's. */
const MIN_OFFSET_MINUTES = -12 * 60;
const MAX_OFFSET_MINUTES = 14 * 60;

/** Offset of `zone` from UTC at the instant `utcMs`, in milliseconds. */
function offsetAt(zone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const part = (type: string): number => Number(parts.find((entry) => entry.type == type)?.value);
  // formatToParts gives the proleptic Gregorian year (AD), so utcOf keeps years before 100 as they are.
  const local = utcOf(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return local - Math.floor(utcMs / 1000) * 1000;
}

/**
 * The instant of an ISO 8601 date or date-time, as ISO 8601 in UTC; a value without a zone is
 * local time in `zone` (a date alone is its midnight). Undefined when the text is no such date
 * or names a day that does not exist (2015-02-30).
 */
export function toUtcIso(text: string, zone: string): string | undefined {
  const match = DATE_TIME.exec(text.trim());
  // Year 0000 is 1 BC, which the zone data reads as year 1 of another era: refused, not guessed.
  if (!match || match[1] == '0000') return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '0', offset] = match;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const wall = utcOf(+y, +mo - 1, +d, +h, +mi, +s, ms);
  const check = new Date(wall);
  if (isNaN(wall) || check.getUTCFullYear() != +y || check.getUTCDate() != +d || check.getUTCMonth() != +mo - 1 || +h > 23 || +mi > 59 || +s > 59) return undefined;
  let utc: number;
  if (offset == 'Z') utc = wall;
  else if (offset) {
    const sign = offset[0] == '-' ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const minutes = Number(digits.slice(2, 4) || 0);
    const total = sign * (Number(digits.slice(0, 2)) * 60 + minutes);
    // +25:00, -24:30, +02:75: no zone has them, and reading them would move the instant by days.
    if (minutes > 59 || total < MIN_OFFSET_MINUTES || total > MAX_OFFSET_MINUTES) return undefined;
    utc = wall - total * 60_000;
  } else {
    // The offset at the wall time read as UTC, corrected once: right on both sides of a DST change.
    const first = wall - offsetAt(zone, wall);
    utc = wall - offsetAt(zone, first);
  }
  return new Date(utc).toISOString();
}
