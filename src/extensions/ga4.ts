/**
 * GA4 ecommerce events → `_rejoiner` commands (pure; data-layer.ts feeds it). GA4 prices are in
 * currency units and its events describe changes (`add_to_cart` adds these items), while our cart
 * commands set whole lines, so the mapping keeps a cart model: line quantities add up on
 * `add_to_cart`, go down on `remove_from_cart` (the line goes at zero), and are replaced by the
 * full item list of `view_cart` and `begin_checkout`.
 * https://developers.google.com/analytics/devguides/collection/ga4/reference/events
 */
import { isObject, toEmail } from '../protocol/fields';

export interface Ga4Item {
  item_id?: unknown;
  /** Universal Analytics' name, still sent by older themes. */
  id?: unknown;
  item_name?: unknown;
  name?: unknown;
  price?: unknown;
  quantity?: unknown;
  item_brand?: unknown;
  item_variant?: unknown;
  item_category?: unknown;
  item_category2?: unknown;
  item_category3?: unknown;
  item_category4?: unknown;
  item_category5?: unknown;
}

export interface Ga4Params {
  currency?: unknown;
  value?: unknown;
  transaction_id?: unknown;
  coupon?: unknown;
  items?: unknown;
}

/** One cart line as the bridge last told the collector. */
export interface CartLine {
  id: string;
  name?: string;
  price?: number;
  qty: number;
  category?: string[];
  brand?: string;
  variant?: string;
}

/** The cart as the data layer has described it so far, in order of first add. */
export type CartModel = CartLine[];

export type Command = [name: string, argument?: unknown];

/** Digits after the decimal point of `currency` (2 for USD/EUR, 0 for JPY, 3 for KWD). */
export const currencyDigits = (currency: unknown): number => {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: currency as string }).resolvedOptions()
      .maximumFractionDigits!;
  } catch {
    return 2; // missing or unknown code: the common case
  }
};

/**
 * `value` (currency units, a number or a numeric string) in minor units, rounded half up on the
 * decimal digits as written: 19.99 → 1999 and 1.005 → 101, where `1.005 * 100` would give 100.49…
 */
export const toMinorUnits = (value: unknown, digits: number): number | undefined => {
  if (value === '' || value == null || typeof value == 'object') return undefined;
  const number = +(value as string);
  if (!isFinite(number)) return undefined;
  // Shift the decimal point in the text, not by multiplying the binary fraction.
  const shifted = +`${number}e${digits}`;
  return Math.round(isFinite(shifted) ? shifted : number * 10 ** digits);
};

const text = (value: unknown): string | undefined =>
  value == null || typeof value == 'object' || value === '' ? undefined : '' + value;

const quantity = (value: unknown): number => {
  const number = Math.round(+(value as string));
  return value == null || value === '' || !isFinite(number) ? 1 : number; // GA4's default is 1
};

/** The item as a cart line (quantity from the item), or undefined without an id. */
const lineOf = (item: unknown, digits: number): CartLine | undefined => {
  if (!isObject(item)) return undefined;
  const ga4 = item as Ga4Item;
  const id = text(ga4.item_id ?? ga4.id);
  if (!id) return undefined;
  const category = [ga4.item_category, ga4.item_category2, ga4.item_category3, ga4.item_category4, ga4.item_category5]
    .map(text)
    .filter(Boolean) as string[];
  return {
    id,
    name: text(ga4.item_name ?? ga4.name),
    price: toMinorUnits(ga4.price, digits),
    qty: quantity(ga4.quantity),
    category: category.length ? category : undefined,
    brand: text(ga4.item_brand),
    variant: text(ga4.item_variant),
  };
};

const linesOf = (params: Ga4Params, digits: number): CartLine[] =>
  (Array.isArray(params.items) ? params.items : []).map((item) => lineOf(item, digits)).filter(Boolean) as CartLine[];

/** The payload of setCartItem / a conversion's cart item. Brand and variant go to metadata. */
export const cartItemOf = (line: CartLine): Record<string, unknown> => {
  const metadata = { item_brand: line.brand, item_variant: line.variant };
  return strip({
    product_id: line.id,
    name: line.name,
    price: line.price,
    item_qty: line.qty,
    qty_price: line.price == null ? undefined : line.price * line.qty,
    category: line.category,
    metadata: line.brand || line.variant ? strip(metadata) : undefined,
  });
};

/** Drops undefined members, so that the normalizer has nothing to warn about. */
const strip = <T extends Record<string, unknown>>(object: T): T => {
  for (const key in object) if (object[key] === undefined) delete object[key];
  return object;
};

const cartDataOf = (lines: CartLine[], value?: number): Record<string, unknown> =>
  strip({
    cart_value: value ?? lines.reduce((sum, line) => sum + (line.price ?? 0) * line.qty, 0),
    cart_item_count: lines.reduce((sum, line) => sum + line.qty, 0),
  });

/**
 * The commands for one GA4 event, and the cart model after it. Events that are not ecommerce
 * (page_view, login, ...) give no commands and leave the cart as it was.
 */
export function mapGa4Event(name: string, params: unknown, cart: CartModel): { commands: Command[]; cart: CartModel } {
  const p = (isObject(params) ? params : {}) as Ga4Params;
  const digits = currencyDigits(p.currency);
  const lines = linesOf(p, digits);
  const value = toMinorUnits(p.value, digits);
  const commands: Command[] = [];

  /** Makes the collector's cart equal `next`: changed lines set, vanished lines removed. */
  const reconcile = (next: CartModel, cartValue?: number): CartModel => {
    for (const line of cart)
      if (!next.some((kept) => kept.id == line.id)) commands.push(['removeCartItem', { product_id: line.id }]);
    for (const line of next) {
      const before = cart.find((old) => old.id == line.id);
      if (!before || JSON.stringify(before) != JSON.stringify(line)) commands.push(['setCartItem', cartItemOf(line)]);
    }
    commands.push(['setCartData', cartDataOf(next, cartValue)]);
    return next;
  };

  // An ecommerce event without a usable item changes nothing (an empty view_cart included).
  if (!lines.length && name != 'purchase') return { commands, cart };
  switch (name) {
    case 'view_item': {
      commands.push([
        'trackProductView',
        strip({ ...cartItemOf(lines[0]), item_qty: undefined, qty_price: undefined, product_url: location.href }),
      ]);
      return { commands, cart };
    }
    case 'add_to_cart': {
      const next = cart.map((line) => ({ ...line }));
      for (const added of lines) {
        const line = next.find((old) => old.id == added.id);
        if (line) Object.assign(line, { ...strip({ ...added }), qty: line.qty + added.qty });
        else next.push(added);
      }
      return { commands, cart: reconcile(next) };
    }
    case 'remove_from_cart': {
      const next = cart
        .map((line) => {
          const removed = lines.find((gone) => gone.id == line.id);
          return removed ? { ...line, qty: line.qty - removed.qty } : line;
        })
        .filter((line) => line.qty > 0);
      // A removal of a product the model never saw (added on a page without the bridge).
      for (const gone of lines)
        if (!cart.some((line) => line.id == gone.id)) commands.push(['removeCartItem', { product_id: gone.id }]);
      return { commands, cart: reconcile(next) };
    }
    case 'view_cart':
    case 'begin_checkout':
      // Both carry the whole cart: it replaces the model.
      return { commands, cart: reconcile(lines, value) };
    case 'purchase': {
      const conversion = {
        cart_data: strip({ ...cartDataOf(lines, value), order_number: text(p.transaction_id), promo: text(p.coupon) }),
        cart_items: lines.map(cartItemOf),
      };
      commands.push(['sendConversion', conversion]);
      return { commands, cart: [] };
    }
  }
  return { commands, cart };
}

/**
 * The shopper's email in GA4's user-provided data (`gtag('set', 'user_data', {email})`, a data
 * layer's `user_data.email` / `email_address`, possibly a list), or undefined. Hashed values
 * (`sha256_email_address`) are not emails and are left alone.
 */
export const userEmailOf = (userData: unknown): string | undefined => {
  if (!isObject(userData)) return undefined;
  for (const candidate of [userData.email, userData.email_address].flat()) {
    const email = toEmail(candidate);
    if (email) return email;
  }
  return undefined;
};
