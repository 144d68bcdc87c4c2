/**
 * The JS API v4 commands and the extension commands of DESIGN.md. Each handler turns its
 * argument into events of PROTOCOL.md through the shared normalizers, and keeps the order
 * lifecycle of seed 003: cart commands open an order, `startNewOrder` opens a new one,
 * `clearCartData` and `sendConversion` close it.
 */
import { normalizeEventData } from '../protocol/events';
import { isObject } from '../protocol/fields';
import type { EventType, WireEvent } from '../protocol/types';
import type { Identity } from './identity';
import { newId } from './ids';
import { log, setDebug, warn } from './log';
import type { Sender } from './sender';

export type Command = (argument: unknown) => void;

export interface Tracker {
  /** The automatic page view, unless `['trackPageView', false]` came first. */
  _autoPageView(): void;
  /** A page view of `url` (default: the current URL). */
  _pageView(url?: string): void;
  /** Normalizes and queues one event; false when its payload was dropped. */
  _emit(type: EventType, data: unknown, urgent?: boolean): boolean;
}

/** Accepts `{email}` or a bare string: plugins send both. */
const emailArgument = (argument: unknown) =>
  isObject(argument) ? argument : { email: argument };

export function createCommands(identity: Identity, sender: Sender) {
  let autoPageView = true;
  let lastPageUrl: string | undefined;

  /** `opening` runs between normalization and queueing, only for a payload that is kept. */
  const emit = (type: EventType, data: unknown, urgent?: boolean, opening?: () => void): boolean => {
    const normalized = normalizeEventData(type, data, (message) => warn(message));
    if (!normalized) return false;
    if (opening) opening();
    const event: WireEvent = {
      id: newId(),
      ...identity._stamp(Date.now()),
      type,
      ts: Date.now(),
      url: location.href,
      data: normalized,
    };
    log(type, normalized);
    sender._add(event, urgent);
    return true;
  };

  /** A cart event, opening an order first when none is open. */
  const emitCart = (type: EventType, data: unknown): boolean =>
    emit(type, data, false, () => identity._openOrder() && emit('order_started', {}));

  const pageView = (url = location.href): void => {
    if (emit('page_view', { url, title: document.title, referrer: lastPageUrl ?? document.referrer }))
      lastPageUrl = url;
  };

  const tracker: Tracker = {
    _autoPageView() {
      if (autoPageView) pageView();
      autoPageView = false;
    },
    _pageView: pageView,
    _emit: emit,
  };

  const commands: Record<string, Command> = {
    setAccount(site) {
      if ((typeof site == 'string' && site) || typeof site == 'number') sender._setSite('' + site);
      else warn('setAccount: a site id is required');
    },
    setDomain: (domain) => identity._setDomain(domain),
    setEndpoint(value) {
      try {
        const url = new URL('' + value, location.href);
        if (!/^https?:$/.test(url.protocol)) throw 0;
        sender._setEndpoint((url.origin + url.pathname).replace(/\/+$/, ''));
      } catch {
        warn('setEndpoint: not a URL', value);
      }
    },
    setDebug,
    trackPageView(enabled) {
      if (enabled === false) autoPageView = false;
    },
    addPageView(argument) {
      const url = isObject(argument) ? argument.url : argument;
      try {
        pageView(new URL(url as string, location.href).href);
      } catch {
        warn('addPageView: not a URL', url);
      }
    },
    trackProductView: (product) => emit('product_view', product),
    setCartData(cart) {
      if (emitCart('cart_data', cart) && isObject(cart) && cart.email != null)
        emit('customer_email', { email: cart.email, source: 'api' });
    },
    setCartItem: (item) => emitCart('cart_item', item),
    removeCartItem: (item) =>
      emit('cart_item_removed', isObject(item) ? item : { product_id: item }),
    clearCartData() {
      emit('cart_cleared', {});
      identity._closeOrder();
    },
    startNewOrder() {
      identity._newOrder();
      emit('order_started', {});
    },
    sendConversion(conversion) {
      if (emit('conversion', conversion ?? {}, true)) identity._closeOrder();
    },
    setCustomerEmail: (argument) =>
      emit('customer_email', { ...emailArgument(argument), source: 'api' }),
    setCustomerData(customer) {
      if (emit('customer_data', customer) && isObject(customer) && customer.email != null)
        emit('customer_email', { email: customer.email, source: 'api' });
    },
    subscribeToList: (subscription) => emit('list_subscription', subscription),
    setSessionMetadata: (metadata) => emit('session_metadata', { metadata }),
  };

  return { _commands: commands, _tracker: tracker };
}
