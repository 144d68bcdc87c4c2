/**
 * Normalizes the `data` of each event type (PROTOCOL.md, event table). The browser library runs
 * it on every command payload before sending; the collector runs it again on what it receives,
 * so both agree on every field by construction. Normalizing twice gives the same result.
 */
import { coerce, isObject, mergeMetadata, toEmail } from './fields';
import {
  normalizeCartData,
  normalizeCartItem,
  normalizeCustomer,
  normalizeProduct,
} from './shapes';
import type { CampaignType, CartItem, Conversion, EventDataByType, EventType, Metadata, Warn } from './types';

type Normalizer = (data: Record<string, unknown>, warn: Warn) => unknown;

const emailOf = (data: Record<string, unknown>, warn: Warn): string | undefined =>
  toEmail(data.email) || void warn(`invalid email ${data.email}`);

const text = (value: unknown): string | undefined =>
  value == null ? undefined : typeof value == 'object' ? undefined : '' + value;

/** `campaign_type`: "abandonment" | "conversion", also as a one-element array (seed 003). */
const campaignType = (value: unknown, warn: Warn): CampaignType | undefined => {
  const list = ([] as unknown[]).concat(value);
  if (list.length == 1 && /^(abandonment|conversion)$/.test(list[0] as string))
    return list[0] as CampaignType;
  if (value != null && list.length < 2) warn(`campaign_type: dropped ${value}`);
  return undefined; // both types, or none: convert every campaign
};

const NORMALIZERS: Record<EventType, Normalizer> = {
  page_view: (data, warn) =>
    typeof data.url == 'string' && data.url
      ? { url: data.url, title: text(data.title) || '', referrer: text(data.referrer) || '' }
      : void warn('page view: url is required'),
  product_view: normalizeProduct,
  cart_data: normalizeCartData,
  cart_item: normalizeCartItem,
  cart_item_removed: (data, warn) => {
    const id = coerce('p', data.product_id, 'product_id', warn);
    return id ? { product_id: id } : undefined;
  },
  cart_cleared: () => ({}),
  order_started: () => ({}),
  conversion: (data, warn) => {
    const out: Conversion = {};
    if (data.cart_data != null) out.cart_data = normalizeCartData(data.cart_data, warn);
    if (data.cart_items != null)
      out.cart_items = ([] as unknown[])
        .concat(data.cart_items)
        .map((item) => normalizeCartItem(item, warn))
        .filter((item): item is CartItem => !!item);
    const type = campaignType(data.campaign_type, warn);
    if (type) out.campaign_type = type;
    const ids = coerce('l', data.campaign_ids ?? data.campaign_id, 'campaign_ids', warn) as string[];
    if (ids && ids.length) out.campaign_ids = ids;
    return JSON.parse(JSON.stringify(out)); // drop undefined members
  },
  customer_email: (data, warn) => {
    const email = emailOf(data, warn);
    return email && { email, source: data.source == 'form' ? 'form' : 'api' };
  },
  customer_data: normalizeCustomer,
  list_subscription: (data, warn) => {
    const email = emailOf(data, warn);
    const list = text(data.list_id);
    if (!list) warn('subscription: list_id is required');
    return email && list
      ? JSON.parse(
          JSON.stringify({
            email,
            list_id: list,
            first_name: text(data.first_name),
            source: text(data.source),
          }),
        )
      : undefined;
  },
  session_metadata: (data, warn) => {
    const metadata: Metadata = {};
    mergeMetadata(metadata, data.metadata);
    return isObject(data.metadata) ? { metadata } : void warn('session metadata: not an object');
  },
};

/** True for the event types of PROTOCOL.md. */
export const isEventType = (type: unknown): type is EventType =>
  typeof type == 'string' && Object.prototype.hasOwnProperty.call(NORMALIZERS, type);

/**
 * The normalized `data` of an event of `type`, or undefined when it cannot be used (every reason
 * goes to `warn`).
 */
export function normalizeEventData<T extends EventType>(
  type: T,
  data: unknown,
  warn: Warn,
): EventDataByType[T] | undefined {
  if (!isObject(data)) return void warn(`${type}: data is not an object`);
  return (NORMALIZERS[type](data, warn) || undefined) as EventDataByType[T] | undefined;
}
