/**
 * Per-event limits (CONTRACTS.md "Beacon answers and per-event limits", PROTOCOL.md), applied to
 * an event after its data was normalized. They bound what one event can make the collector
 * store, so that no later request pays for a hostile one:
 * - strings at most 2,000 characters, URLs at most 8,192 (longer ones are cut; the event is kept);
 * - identifiers that records are kept by (metadata keys, `product_id`, `list_id`) at most 512
 *   bytes of UTF-8 (cut the same way): PostgreSQL cannot index a key of more than 2,704 bytes,
 *   and 2,000 characters of Chinese are 6,000;
 * - lists (category, tags, campaign ids) at most 100 entries (the rest is cut);
 * - at most 500 items in a conversion and 200 keys in one `metadata` (else the event is refused);
 * - money within ±10^12 cents and quantities within 0 … 10^6 (else the event is refused);
 * - a `ts` more than a day ahead is clamped to the arrival time (clocks of shoppers drift; the
 *   outbox keeps events for 7 days, so older times are real and kept);
 * - NUL characters and lone UTF-16 surrogates become U+FFFD: PostgreSQL stores neither in text
 *   or JSON, and both engines must store the same events.
 * Pure.
 */
import type { WireEvent } from '../../protocol/types';

export const MAX_STRING_CHARS = 2000;
export const MAX_KEY_BYTES = 512;
export const MAX_URL_CHARS = 8192;
export const MAX_LIST_ENTRIES = 100;
export const MAX_ORDER_ITEMS = 500;
export const MAX_METADATA_KEYS = 200;
/** Mailing lists of one site: a beacon may name a new list, and a site's lists are listed whole. */
export const MAX_LISTS_PER_SITE = 1000;
/** Tags (and preference tags) of one customer. */
export const MAX_TAGS = 1000;
export const MAX_MONEY_CENTS = 1e12;
export const MAX_QUANTITY = 1e6;
export const MAX_FUTURE_MS = 24 * 3600 * 1000;

/** Fields holding a URL (page views, products, cart lines, cart data). */
const URL_FIELDS: ReadonlySet<string> = new Set(['url', 'referrer', 'product_url', 'image_url', 'return_url']);
const MONEY_FIELDS: ReadonlySet<string> = new Set(['price', 'qty_price', 'cart_value']);
const QUANTITY_FIELDS: ReadonlySet<string> = new Set(['item_qty', 'cart_item_count']);
/** Fields whose value identifies a record (an order line, a list membership). */
const KEY_FIELDS: ReadonlySet<string> = new Set(['product_id', 'list_id']);

export type LimitedEvent = { ok: true; event: WireEvent } | { ok: false; reason: string };

/** `text` cut to `max` characters, never in the middle of a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** NUL, a high surrogate without its low one, or a low one without its high one. */
// eslint-disable-next-line no-control-regex -- NUL is one of the characters this must find
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text every engine can store: NUL and lone surrogates replaced with U+FFFD. */
export const storableText = (text: string): string => text.replace(UNSTORABLE, '\ufffd');

/** `text` storable and cut to `max` characters. */
const limitText = (text: string, max: number): string => truncate(storableText(text), max);

/** An identifier storable and cut to MAX_KEY_BYTES of UTF-8, at a character boundary. */
export function limitKey(text: string): string {
  const storable = truncate(storableText(text), MAX_STRING_CHARS);
  if (Buffer.byteLength(storable) <= MAX_KEY_BYTES) return storable;
  let end = Math.min(storable.length, MAX_KEY_BYTES);
  while (Buffer.byteLength(storable.slice(0, end)) > MAX_KEY_BYTES) end--;
  return truncate(storable, end);
}

class Refusal extends Error {}

/**
 * The value within limits, changed in place (normalized data belongs to the caller; copying
 * every event costs more than the rare fix); throws a Refusal for what must refuse the event.
 */
function limitValue(value: unknown, field: string): unknown {
  if (typeof value == 'string') {
    if (KEY_FIELDS.has(field)) return limitKey(value);
    return limitText(value, URL_FIELDS.has(field) ? MAX_URL_CHARS : MAX_STRING_CHARS);
  }
  if (typeof value == 'number') {
    if (MONEY_FIELDS.has(field) && Math.abs(value) > MAX_MONEY_CENTS)
      throw new Refusal(`${field}: ${value} is beyond ±${MAX_MONEY_CENTS} cents`);
    if (QUANTITY_FIELDS.has(field) && !(value >= 0 && value <= MAX_QUANTITY))
      throw new Refusal(`${field}: ${value} is outside 0 … ${MAX_QUANTITY}`);
    return value;
  }
  if (Array.isArray(value)) {
    if (field == 'cart_items' && value.length > MAX_ORDER_ITEMS) throw new Refusal(`cart_items: at most ${MAX_ORDER_ITEMS} items`);
    if (field != 'cart_items' && value.length > MAX_LIST_ENTRIES) value.length = MAX_LIST_ENTRIES;
    for (let index = 0; index < value.length; index++) value[index] = limitValue(value[index], field == 'cart_items' ? 'cart_items[]' : field);
    return value;
  }
  if (typeof value == 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    if (field == 'metadata' && keys.length > MAX_METADATA_KEYS) throw new Refusal(`metadata: at most ${MAX_METADATA_KEYS} keys`);
    for (const key of keys) {
      const inner = limitValue(object[key], field == 'metadata' ? 'metadata value' : key);
      const name = field == 'metadata' ? limitKey(key) : storableText(key);
      if (name != key) delete object[key];
      // defineProperty: a key such as "__proto__" stays a plain key.
      if (name != key || inner !== object[key])
        Object.defineProperty(object, name, { value: inner, enumerable: true, writable: true, configurable: true });
    }
    return object;
  }
  return value;
}

/** Applies the limits to normalized event data (the REST API's conversions too), in place. */
export function applyDataLimits<T>(data: T): { ok: true; data: T } | { ok: false; reason: string } {
  try {
    return { ok: true, data: limitValue(data, 'data') as T };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, reason: error.message };
    throw error;
  }
}

/** Applies the limits to a checked, normalized event that arrived at `now`. */
export function applyEventLimits(event: WireEvent, now: number): LimitedEvent {
  const limited = applyDataLimits(event.data);
  if (!limited.ok) return limited;
  return {
    ok: true,
    event: {
      ...event,
      id: storableText(event.id),
      visitor: storableText(event.visitor),
      session: storableText(event.session),
      order: event.order === null ? null : storableText(event.order),
      ts: event.ts > now + MAX_FUTURE_MS ? now : event.ts,
      url: limitText(event.url, MAX_URL_CHARS),
      data: limited.data,
    },
  };
}
