/**
 * Payload shapes of PROTOCOL.md ("Payload shapes after normalization") and the one generic
 * normalizer that applies them. Pure: shared by the browser library and the collector.
 */
import { coerce, isObject, mergeMetadata, toMetaString, type FieldKind } from './fields';
import type { CartData, CartItem, Customer, Metadata, Product, Warn } from './types';

export interface Shape {
  /** Field name → kind; `metadata` is implied. */
  _fields: Record<string, FieldKind>;
  /** Older (v3) or common alternative names → field name. */
  _aliases: Record<string, string>;
  /** For warnings. */
  _name: string;
}

/** Builds a shape from a compact spec: "name:kind" words, kind `s` when omitted. */
const shape = (name: string, spec: string, aliases: Record<string, string> = {}): Shape => {
  const fields: Record<string, FieldKind> = {};
  for (const word of spec.split(' ')) fields[word.split(':')[0]] = (word.split(':')[1] || 's') as FieldKind;
  return { _fields: fields, _aliases: aliases, _name: name };
};

export const CART_DATA = shape(
  'cart_data',
  'cart_value:i cart_item_count:i promo order_number return_url email:x',
  {
    value: 'cart_value',
    totalItems: 'cart_item_count',
    total_items_count: 'cart_item_count',
    returnUrl: 'return_url',
    customer_order_number: 'order_number',
  },
);

export const CART_ITEM = shape(
  'cart_item',
  'product_id:p name description price:i category:l item_qty:i qty_price:i product_url image_url expiration_date',
);

export const PRODUCT = shape(
  'product',
  'product_id:p name category:l price:i image_url product_url stock:i expiration_date',
);

export const CUSTOMER = shape(
  'customer',
  'first_name last_name age:i gender:g language:n address1 address2 address3 city state postal_code country timezone phone birthdate:d tags:l email:x',
  // Seed 003's own setCustomerData example sends `name`.
  { name: 'first_name' },
);

/**
 * Normalizes `input` to `shape`: known fields coerced, aliases renamed (the canonical name wins
 * when both are given), unknown keys moved into `metadata` as strings. Returns undefined (with a
 * warning) when the input is not an object or lacks its product id.
 */
export function normalizeShape<T>(shape: Shape, input: unknown, warn: Warn): T | undefined {
  if (!isObject(input)) return void warn(`${shape._name}: not an object`);
  const out: Record<string, unknown> = {};
  const metadata: Metadata = {};
  for (const key in input) {
    const value = input[key];
    const field = shape._aliases[key] || key;
    const kind = shape._fields[field];
    if (key == 'metadata') mergeMetadata(metadata, value);
    else if (!kind) {
      const text = toMetaString(value);
      if (text != null) metadata[key] = text;
    } else if (kind == 'l' && value === null) out[field] = [];
    else if (kind != 'x' && value != null && (field == key || !(field in out))) {
      const coerced = coerce(kind, value, field, warn);
      if (coerced !== undefined) out[field] = coerced;
    }
  }
  if (shape._fields.product_id && !out.product_id)
    return void warn(`${shape._name}: product_id is required`);
  if (Object.keys(metadata).length) out.metadata = metadata;
  return out as T;
}

export const normalizeCartData = (input: unknown, warn: Warn) =>
  normalizeShape<CartData>(CART_DATA, input, warn);
export const normalizeCartItem = (input: unknown, warn: Warn) =>
  normalizeShape<CartItem>(CART_ITEM, input, warn);
export const normalizeProduct = (input: unknown, warn: Warn) =>
  normalizeShape<Product>(PRODUCT, input, warn);
export const normalizeCustomer = (input: unknown, warn: Warn) =>
  normalizeShape<Customer>(CUSTOMER, input, warn);
