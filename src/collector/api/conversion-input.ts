/**
 * Validation of conversion bodies: `lead/convert` (seed 003) and `customer/convert/` (seed
 * 000). Types are checked strictly (400 with a reason); cart data and items are then normalized
 * by the same shared code as `sendConversion` beacons, so both paths store the same shapes.
 */
import { normalizeEventData } from '../../protocol/events';
import { toEmail } from '../../protocol/fields';
import type { Conversion } from '../../protocol/types';
import { applyDataLimits } from '../ingest/event-limits';

export type ConversionInput = { ok: true; email: string; conversion: Conversion } | { ok: false; reason: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value == 'object' && value != null && !Array.isArray(value);

/** Reads `email` from a REST body: required and valid. */
export function readEmail(body: unknown): { ok: true; email: string } | { ok: false; reason: string } {
  if (!isPlainObject(body)) return { ok: false, reason: 'body must be a JSON object' };
  if (body.email === undefined || body.email === null || body.email === '') return { ok: false, reason: 'email: required' };
  const email = toEmail(body.email);
  return email ? { ok: true, email } : { ok: false, reason: 'email: not a valid email address' };
}

/** Checks a conversion body; `campaigns` allows campaign_id/campaign_type (lead/convert only). */
export function parseConversionInput(body: unknown, campaigns: boolean): ConversionInput {
  const email = readEmail(body);
  if (!email.ok) return email;
  const input = body as Record<string, unknown>;
  const { cart_data, cart_items, campaign_id, campaign_type } = input;
  if (cart_data !== undefined && !isPlainObject(cart_data)) return { ok: false, reason: 'cart_data: must be an object' };
  if (cart_items !== undefined) {
    if (!Array.isArray(cart_items)) return { ok: false, reason: 'cart_items: must be an array' };
    for (let index = 0; index < cart_items.length; index++) {
      const item = cart_items[index];
      if (!isPlainObject(item)) return { ok: false, reason: `cart_items[${index}]: must be an object` };
      const id = item.product_id;
      if (!(typeof id == 'string' && id.trim()) && typeof id != 'number')
        return { ok: false, reason: `cart_items[${index}].product_id: required` };
    }
  }
  if (campaigns) {
    const ids = ([] as unknown[]).concat(campaign_id ?? []);
    if (!ids.every((id) => typeof id == 'string' || typeof id == 'number'))
      return { ok: false, reason: 'campaign_id: must be a string or an array of strings' };
    const types = ([] as unknown[]).concat(campaign_type ?? []);
    // Strict comparisons only: `==` would convert a parsed object, and {"toString": 1} throws there.
    if (types.length > 1 || !types.every((type) => type === 'abandonment' || type === 'conversion'))
      return { ok: false, reason: 'campaign_type: must be "abandonment" or "conversion"' };
  }
  try {
    const conversion = normalizeEventData(
      'conversion',
      campaigns ? { cart_data, cart_items, campaign_type, campaign_ids: campaign_id } : { cart_data, cart_items },
      () => {}, // rounding notes and the like: the strict checks above already refused what matters
    );
    const limited = applyDataLimits(conversion ?? {});
    return limited.ok ? { ok: true, email: email.email, conversion: limited.data } : { ok: false, reason: limited.reason };
  } catch {
    return { ok: false, reason: 'cart_data or cart_items could not be read' };
  }
}
