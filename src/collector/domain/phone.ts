/**
 * Phone numbers as lookup keys (`customers/by_phone/?phone=`, and later the customer platforms'
 * phone searches). Shops send them in every format: "+1 (555) 010-2030", "00358 40 123 4567",
 * "555.010.2030". The key keeps the digits and a leading "+" ("00" counts as "+"), so
 * "+1 555 010 2030" and "+15550102030" find the same customer; a number without a country code
 * stays a key of its own digits (there is no country to assume). Pure.
 */

/** The lookup key of `phone`, or null when it holds too few digits to be a number. */
export function phoneKey(phone: unknown): string | null {
  if (typeof phone != 'string') return null;
  const trimmed = phone.trim();
  const international = trimmed.startsWith('+') || trimmed.startsWith('00');
  const digits = trimmed.replace(/^00/, '').replace(/\D/g, '');
  if (digits.length < 5 || digits.length > 15) return null;
  return international ? `+${digits}` : digits;
}
