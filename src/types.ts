/**
 * Public types: every `_rejoiner` command as a tuple, so that TypeScript users get checked
 * pushes and the README and the code share one source. Payload types accept the loose shapes
 * that the library normalizes (numbers as strings, v3 names, `category` as a string).
 */
export type {
  Batch,
  BatchResult,
  CartData,
  CartItem,
  Customer,
  EventType,
  Product,
  WireEvent,
} from './protocol/types';

type Loose<T> = { [K in keyof T]?: T[K] | string | number | null } & Record<string, unknown>;
type Cents = number | string;

export interface CartDataInput extends Loose<{ promo: string; order_number: string; return_url: string; email: string }> {
  cart_value?: Cents;
  cart_item_count?: number | string;
}

export interface CartItemInput extends Record<string, unknown> {
  product_id: string | number;
  name?: string;
  description?: string;
  price?: Cents;
  category?: string | string[] | null;
  item_qty?: number | string;
  qty_price?: Cents;
  product_url?: string;
  image_url?: string;
  expiration_date?: string;
}

export interface ProductInput extends Record<string, unknown> {
  product_id: string | number;
  name?: string;
  category?: string | string[] | null;
  price?: Cents;
  image_url?: string;
  product_url?: string;
  stock?: number | string;
  expiration_date?: string;
}

export interface CustomerInput extends Record<string, unknown> {
  first_name?: string;
  last_name?: string;
  email?: string;
  age?: number | string;
  gender?: 'm' | 'f' | 'male' | 'female' | 'Male' | 'Female';
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
  birthdate?: string;
  tags?: string | string[];
}

export interface ConversionInput {
  cart_data?: CartDataInput;
  cart_items?: CartItemInput[];
  campaign_type?: 'abandonment' | 'conversion' | ('abandonment' | 'conversion')[];
  campaign_ids?: string | string[];
}

/** One `_rejoiner.push` argument. */
export type RejoinerCommand =
  | ['setAccount', string]
  | ['setDomain', string]
  | ['setEndpoint', string]
  | ['setDebug', boolean]
  | ['trackPageView', boolean]
  | ['addPageView', { url: string; title?: string }]
  | ['trackProductView', ProductInput]
  | ['setCartData', CartDataInput]
  | ['setCartItem', CartItemInput]
  | ['removeCartItem', { product_id: string | number }]
  | ['clearCartData']
  | ['startNewOrder']
  | ['sendConversion']
  | ['sendConversion', ConversionInput]
  | ['setCustomerEmail', string | { email: string }]
  | ['setCustomerData', CustomerInput]
  | ['subscribeToList', { email: string; list_id: string | number; first_name?: string; source?: string }]
  | ['setSessionMetadata', Record<string, unknown>]
  | ['setFormScan', boolean | string]
  | ['trackHistory', boolean | { hash?: boolean }]
  | ['bridgeDataLayer', boolean | { name?: string }]
  | ['requireConsent']
  | ['setConsent', boolean]
  | ['respectGPC', boolean];

/**
 * The page's `_rejoiner` queue: an array before the library loads (the snippet's stub), after it
 * an array whose `push` dispatches. Either way `push` takes commands.
 */
export interface RejoinerQueue {
  push(...commands: RejoinerCommand[]): unknown;
}

declare global {
  /**
   * The snippet's queue (`var _rejoiner = _rejoiner || [];`). Declared here so that
   * `_rejoiner.push(['setCartItem', {...}])` is checked against every command's argument.
   */
  // `var` is how a global of the page is declared in TypeScript.
  var _rejoiner: RejoinerQueue;
}
