/**
 * `['bridgeDataLayer', true | {name}]`: reads a GA4 / tag-manager data layer (`window.dataLayer`
 * unless named otherwise), first what is already in it, then every later push, and runs the
 * matching commands (ga4.ts). Both entry forms are read: gtag's `arguments` objects
 * (`['event', 'add_to_cart', {...}]`, `['set', 'user_data', {...}]`) and tag-manager objects
 * (`{event: 'add_to_cart', ecommerce: {...}}`, `{user_data: {...}}`). The cart model lives in
 * localStorage, so quantities add up across the pages of a multi-page shop.
 */
import { isObject } from '../protocol/fields';
import type { Dispatch } from '../browser/boot';
import { tryGetJSON, trySetItem } from '../browser/storage';
import { mapGa4Event, userEmailOf, type CartModel } from './ga4';
import { report } from './report';

const CART_KEY = 'rejoiner:cart:v1';

/** Layers already bridged: a tag that fires twice must not read every entry twice. */
const bridged = new WeakSet<object>();

export function bridgeDataLayer(go: Dispatch, option: unknown): void {
  const name = (isObject(option) && typeof option.name == 'string' && option.name) || 'dataLayer';
  const globals = window as unknown as Record<string, unknown>;
  const layer = (Array.isArray(globals[name]) ? globals[name] : (globals[name] = [])) as unknown[] & {
    push(...entries: unknown[]): number;
  };
  if (bridged.has(layer)) return;
  bridged.add(layer);

  const read = (entry: unknown): void => {
    try {
      const [event, params, userData] = parse(entry);
      if (userData !== undefined) {
        const email = userEmailOf(userData);
        if (email) go(['setCustomerEmail', email]);
      }
      if (!event) return;
      const before = tryGetJSON<CartModel>(CART_KEY) || [];
      const { commands, cart } = mapGa4Event(event, params, before);
      if (cart != before) trySetItem(CART_KEY, cart.length ? JSON.stringify(cart) : null);
      if (commands.length) report.log('dataLayer', event, commands);
      go(...commands);
    } catch (error) {
      report.warn('dataLayer entry failed:', error);
    }
  };

  for (const entry of layer.slice()) read(entry);
  // Whoever replaced `push` before (a tag manager does) keeps working: theirs runs first.
  const push = layer.push;
  layer.push = function (...entries: unknown[]) {
    const length = push.apply(this, entries);
    for (const entry of entries) read(entry);
    return length;
  };
}

/** [event name, its parameters, user data] of one data-layer entry; missing parts undefined. */
function parse(entry: unknown): [string | undefined, unknown, unknown] {
  if (!entry || typeof entry != 'object') return [undefined, undefined, undefined];
  if (isObject(entry) && !isArguments(entry)) {
    const event = typeof entry.event == 'string' ? entry.event : undefined;
    return [entry.ecommerce != null ? event : undefined, entry.ecommerce, entry.user_data ?? entry.enhanced_conversion_data];
  }
  // gtag('event', name, params), gtag('set', 'user_data', data), gtag('set', {user_data}).
  const args = Array.from(entry as ArrayLike<unknown>);
  if (args[0] == 'event' && typeof args[1] == 'string') return [args[1], args[2], (args[2] as { user_data?: unknown })?.user_data];
  if (args[0] == 'set') return [undefined, undefined, args[1] == 'user_data' ? args[2] : (args[1] as { user_data?: unknown })?.user_data];
  return [undefined, undefined, undefined];
}

const isArguments = (value: object): boolean => Object.prototype.toString.call(value) == '[object Arguments]';
