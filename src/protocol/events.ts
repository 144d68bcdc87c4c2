/**
 * Normalizes the `data` of each event type (PROTOCOL.md, event table). The browser library runs
 * it on every command payload before sending; the collector runs it again on what it receives,
 * so both agree on every field by construction. Normalizing twice gives the same result.
 */
import { coerce, isObject, mergeMetadata, toEmail } from './fields';
import { CART_DATA, CART_ITEM, CUSTOMER, normalizeShape, PRODUCT, type Shape } from './shapes';
import type { EventDataByType, EventType, Metadata, Warn } from './types';

type Normalizer = (data: Record<string, unknown>, warn: Warn) => unknown;

/** The object without its undefined members, as it will read after JSON. */
const compact = (value: object) => JSON.parse(JSON.stringify(value));

const text = (value: unknown): string | undefined =>
  value == null || typeof value == 'object' ? undefined : '' + value;

const emailOf = (data: Record<string, unknown>, warn: Warn): string | undefined =>
  toEmail(data.email) || void warn(`invalid email ${data.email}`);

const ofShape = (shape: Shape): Normalizer => (data, warn) => normalizeShape(shape, data, warn);

const NORMALIZERS: Record<EventType, Normalizer> = {
  page_view: (data, warn) =>
    typeof data.url == 'string' && data.url
      ? { url: data.url, title: text(data.title) || '', referrer: text(data.referrer) || '' }
      : void warn('page_view: url is required'),
  product_view: ofShape(PRODUCT),
  cart_data: ofShape(CART_DATA),
  cart_item: ofShape(CART_ITEM),
  cart_item_removed: (data, warn) => {
    const id = coerce('p', data.product_id, 'product_id', warn);
    return id && { product_id: id };
  },
  cart_cleared: () => ({}),
  order_started: () => ({}),
  conversion(data, warn) {
    // campaign_type: one of the two types, also as a one-element array (seed 003); both or
    // none mean every campaign.
    const types = ([] as unknown[]).concat(data.campaign_type ?? []);
    const type = types.length == 1 ? types[0] : undefined;
    if (types.length == 1 && !/^(abandonment|conversion)$/.test(type as string))
      warn(`campaign_type: dropped ${type}`);
    const ids = coerce('l', data.campaign_ids ?? data.campaign_id ?? [], 'campaign_ids', warn) as string[];
    return compact({
      cart_data: data.cart_data == null ? undefined : normalizeShape(CART_DATA, data.cart_data, warn),
      cart_items:
        data.cart_items == null
          ? undefined
          : ([] as unknown[])
              .concat(data.cart_items)
              .map((item) => normalizeShape(CART_ITEM, item, warn))
              .filter(Boolean),
      campaign_type: /^(abandonment|conversion)$/.test(type as string) ? type : undefined,
      campaign_ids: ids && ids.length ? ids : undefined,
    });
  },
  customer_email(data, warn) {
    const email = emailOf(data, warn);
    return email && { email, source: data.source == 'form' ? 'form' : 'api' };
  },
  customer_data: ofShape(CUSTOMER),
  list_subscription(data, warn) {
    const email = emailOf(data, warn);
    const list = text(data.list_id);
    if (!list) warn('list_subscription: list_id is required');
    return email && list && compact({ email, list_id: list, first_name: text(data.first_name), source: text(data.source) });
  },
  session_metadata(data, warn) {
    const metadata: Metadata = {};
    mergeMetadata(metadata, data.metadata);
    return isObject(data.metadata) ? { metadata } : void warn('session_metadata: not an object');
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
  return isObject(data)
    ? (NORMALIZERS[type](data, warn) || undefined) as EventDataByType[T] | undefined
    : void warn(`${type}: not an object`);
}
