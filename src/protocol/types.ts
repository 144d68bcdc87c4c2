/**
 * Wire types of beacon protocol v4 (see PROTOCOL.md). Field names are a public contract shared
 * with every collector: never rename them.
 */

/** String key/value pairs attached to carts, items, products, customers and sessions. */
export type Metadata = Record<string, string>;

/** Cart totals after normalization (`setCartData`, `sendConversion.cart_data`). */
export interface CartData {
  /** Total value in integer cents. */
  cart_value?: number;
  /** Number of all items in the cart, not of distinct products. */
  cart_item_count?: number;
  promo?: string;
  /** The shop's own order id (v3 name: `customer_order_number`). */
  order_number?: string;
  return_url?: string;
  metadata?: Metadata;
}

/** One cart line after normalization (`setCartItem`, `sendConversion.cart_items`). */
export interface CartItem {
  product_id: string;
  name?: string;
  description?: string;
  /** Unit price in integer cents. */
  price?: number;
  category?: string[];
  item_qty?: number;
  /** `price` × `item_qty` in integer cents. */
  qty_price?: number;
  product_url?: string;
  image_url?: string;
  expiration_date?: string;
  metadata?: Metadata;
}

/** A viewed product after normalization (`trackProductView`). */
export interface Product {
  product_id: string;
  name?: string;
  category?: string[];
  price?: number;
  image_url?: string;
  product_url?: string;
  stock?: number;
  expiration_date?: string;
  metadata?: Metadata;
}

/** Customer profile fields after normalization (`setCustomerData`). */
export interface Customer {
  first_name?: string;
  last_name?: string;
  age?: number;
  gender?: 'm' | 'f';
  /** ISO 639-1, two lower-case letters. */
  language?: string;
  address1?: string;
  address2?: string;
  address3?: string;
  city?: string;
  state?: string;
  postal_code?: string;
  country?: string;
  timezone?: string;
  phone?: string;
  /** YYYY-MM-DD */
  birthdate?: string;
  tags?: string[];
  metadata?: Metadata;
}

export type CampaignType = 'abandonment' | 'conversion';

export interface Conversion {
  cart_data?: CartData;
  cart_items?: CartItem[];
  campaign_type?: CampaignType;
  campaign_ids?: string[];
}

export interface PageView {
  url: string;
  title?: string;
  referrer?: string;
}

export interface CustomerEmail {
  email: string;
  /** Set by the library; a beacon from elsewhere may leave it out. */
  source?: 'api' | 'form';
}

export interface ListSubscription {
  email: string;
  list_id: string;
  first_name?: string;
  source?: string;
}

/** A page opened from a link carrying `_rjt=TOKEN` (CONTRACTS.md "Click-back attribution"). */
export interface ClickBack {
  /** Opaque, signed by the collector; reported once per page load, never stored by the library. */
  token: string;
}

/** The `data` of each event type. */
export interface EventDataByType {
  page_view: PageView;
  product_view: Product;
  cart_data: CartData;
  cart_item: CartItem;
  cart_item_removed: { product_id: string };
  cart_cleared: Record<string, never>;
  order_started: Record<string, never>;
  conversion: Conversion;
  customer_email: CustomerEmail;
  customer_data: Customer;
  list_subscription: ListSubscription;
  session_metadata: { metadata: Metadata };
  click_back: ClickBack;
}

export type EventType = keyof EventDataByType;

/** One event on the wire. */
export interface WireEvent<T extends EventType = EventType> {
  /** Unique per event, stable across every retry. */
  id: string;
  /** Grows by one per event for a visitor, across pages. */
  seq: number;
  type: T;
  /** Milliseconds since the epoch, when the command was pushed. */
  ts: number;
  visitor: string;
  session: string;
  order: string | null;
  /** The page URL when the command was pushed. */
  url: string;
  data: EventDataByType[T];
}

/** The body of `POST {endpoint}/v4/{site}`. */
export interface Batch {
  v: 4;
  lib: string;
  site: string;
  sent_at: number;
  events: WireEvent[];
}

/** The collector's answer to a stored batch. */
export interface BatchResult {
  accepted: number;
  duplicates: number;
  rejected: { id: string; reason: string }[];
}

/** Receives one human-readable normalization warning. */
export type Warn = (message: string) => void;
