/**
 * Payload shapes of PROTOCOL.md (the event table and "Payload shapes after normalization"), one
 * per event type, and the one generic normalizer that applies them. Pure: shared by the browser
 * library and the collector. The table holds the shapes of the core's commands from the start;
 * those of the extension module's commands (extension-shapes.ts) are added by the module, through
 * the core, when it arrives, and by the collector (events.ts) when it loads.
 */
import { coerce, isObject, mergeMetadata, toMetaString, type FieldKind, type TextKinds } from './fields';
import type { EventType, Metadata } from './types';
import { NOT_AN_OBJECT, REQUIRED, type Report } from './warnings';

export interface Shape {
  /** Field name → kind; upper case when required. `metadata` is implied. */
  _fields: Record<string, string>;
  /** Older (v3) or common alternative names → field name. */
  _aliases: Record<string, string>;
  /** For warnings. */
  _name: string;
  /** The coercers of the kinds this shape brings itself (fields.ts, CUSTOMER_KINDS). */
  _textKinds?: TextKinds;
}

/** The shape of each event type's `data` known so far (`addShapes`). */
export const SHAPES: Partial<Record<EventType, Shape>> = {};

/**
 * Adds one shape per event type from its spec: "name:kind:alias..." words. Kind `s` (string)
 * when omitted, upper case when required (kinds in fields.ts; `c` and `a` nest cart data and cart
 * items). Aliases are older (v3) or common alternative names of the field. `textKinds`: the
 * coercers of kinds that only these shapes use.
 *
 * The extension module hands its specs to the core's `addShapes` rather than shapes of its own:
 * shapes have internal property names, which the two files' minifications name differently.
 */
export function addShapes<Type extends EventType>(specs: Record<Type, string>, textKinds?: TextKinds): void {
  for (const type in specs) {
    const shape: Shape = (SHAPES[type] = { _fields: {}, _aliases: {}, _name: type, _textKinds: textKinds });
    for (const [name, kind = 's', ...aliases] of specs[type].split(' ').map((word) => word.split(':'))) {
      shape._fields[name] = kind;
      for (const alias of aliases) shape._aliases[alias] = name;
    }
  }
}

/**
 * The core's event types. Aliases: the v3 cart names, and the REST lead/convert call of seed 003
 * (`campaign_id`). An email's `source` is the core's own word, a string here; the collector
 * checks it (events.ts).
 */
addShapes({
  page_view: 'url:S title referrer',
  product_view: 'product_id:P name category:l price:i image_url product_url stock:i expiration_date',
  cart_data:
    'cart_value:i:value cart_item_count:i:totalItems:total_items_count promo order_number:s:customer_order_number return_url:s:returnUrl email:x',
  cart_item:
    'product_id:P name description price:i category:l item_qty:i qty_price:i product_url image_url expiration_date',
  cart_item_removed: 'product_id:P',
  cart_cleared: '',
  order_started: '',
  conversion: 'cart_data:c cart_items:a campaign_type:t campaign_ids:l:campaign_id',
  customer_email: 'email:E source',
  click_back: 'token:P',
});

/**
 * Normalizes `input` to `shape`: known fields coerced, aliases renamed (the canonical name wins
 * when both are given), unknown keys moved into `metadata` as strings. Returns undefined (with a
 * warning) when the input is not an object or lacks a required field.
 */
export function normalizeShape<T>(shape: Shape, input: unknown, report: Report): T | undefined {
  if (!isObject(input)) return void report(NOT_AN_OBJECT, shape._name);
  const out: Record<string, unknown> = {};
  const metadata: Metadata = {};
  for (const key in input) {
    const value = input[key];
    const field = shape._aliases[key] || key;
    const kind = shape._fields[field]?.toLowerCase() as FieldKind;
    if (key == 'metadata') mergeMetadata(metadata, value);
    else if (!kind) {
      const text = toMetaString(value);
      if (text != null) metadata[key] = text;
    } else if (kind != 'x' && (value != null || kind == 'l') && (field == key || !(field in out))) {
      const coerced =
        kind == 'c'
          ? normalizeShape(SHAPES.cart_data!, value, report)
          : kind == 'a'
            ? ([] as unknown[]).concat(value).map((item) => normalizeShape(SHAPES.cart_item!, item, report)).filter(Boolean)
            : coerce(kind, value, field, report, shape._textKinds);
      if (coerced !== undefined) out[field] = coerced;
    }
  }
  if (Object.keys(metadata).length) out.metadata = metadata;
  for (const field in shape._fields)
    if (shape._fields[field] < 'a' && !out[field]) return void report(REQUIRED, shape._name, field);
  return out as T;
}
