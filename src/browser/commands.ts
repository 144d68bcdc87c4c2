/**
 * The JS API v4 commands of the core. Each handler turns its argument into events of PROTOCOL.md
 * through the shared normalizer, and keeps the order lifecycle of seed 003: cart commands open an
 * order, `startNewOrder` opens a new one, `clearCartData` and `sendConversion` close it.
 * `setCustomerData`, `subscribeToList` and `setSessionMetadata` come with the extension module
 * (src/extensions/profile.ts), which sends their events through this file's `emit`.
 */
import { isObject } from '../protocol/fields';
import { normalizeShape, SHAPES } from '../protocol/shapes';
import type { EventType } from '../protocol/types';
import type { Identity } from './identity';
import { newId } from './ids';
import { report, setDebug } from './report';
import { BAD_SITE } from './report-codes';
import { CLICK_BACK_PARAMETER, scrubUrl, setUrlScrub } from './url-scrub';
import type { Sender } from './sender';

export type Command = (argument: unknown) => void;

/**
 * Normalizes and queues one event; returns its normalized data, or undefined when the payload
 * was dropped. `urgent` sends it at once; `opening` runs between normalization and queueing, only
 * for a payload that is kept.
 */
export type Emit = (type: EventType, data: unknown, urgent?: unknown, opening?: () => unknown) => unknown;

export interface Tracker {
  /** The automatic page view, unless `['trackPageView', false]` came first; once. */
  _autoPageView(): void;
  /** A page view of `url` (default: the current URL). */
  _pageView(url?: string): void;
  /** An email the form scanner found (it sends each one once per session). */
  _formEmail(email: string): void;
  /** The click-back token of the landing URL, if any: reported once per page load. */
  _clickBack(): void;
}

export function createCommands(identity: Identity, sender: Sender, setFormScan: Command) {
  let autoPageView = true;
  let lastPageUrl: string | undefined;

  const emit: Emit = (type, data, urgent, opening) => {
    const normalized = normalizeShape(SHAPES[type]!, data, report);
    if (normalized) {
      if (opening) opening();
      sender._add(
        { id: newId(), ...identity._stamp(), type, ts: Date.now(), url: scrubUrl(location.href), data: normalized },
        urgent,
      );
    }
    return normalized;
  };

  /** A cart event, opening an order first when none is open. */
  const emitCart = (type: EventType, data: unknown) =>
    emit(type, data, 0, () => identity._openOrder() && emit('order_started', {}));

  const emitEmail = (argument: unknown, source = 'api') =>
    emit('customer_email', { ...(isObject(argument) ? argument : { email: argument }), source });


  const resolve = (url: unknown) => new URL(url as string, location.href).href;

  /** `title` defaults to the page's; a page view queued earlier may bring the one of its time. */
  const pageView = (url = location.href, title = document.title): void => {
    if (emit('page_view', { url: scrubUrl(url), title, referrer: scrubUrl(lastPageUrl ?? document.referrer) }))
      lastPageUrl = url;
  };

  const tracker: Tracker = {
    _autoPageView() {
      // Runs in the queue's turn (boot.ts): the dispatcher catches and reports what it throws.
      if (autoPageView) {
        autoPageView = false;
        pageView();
      }
    },
    _pageView: pageView,
    _formEmail: (email) => emitEmail(email, 'form'),
    _clickBack() {
      // CONTRACTS.md "Click-back attribution": the token is sent, never kept (outbox-store.ts),
      // and scrubbed from every URL the library sends.
      const token = new URLSearchParams(location.search).get(CLICK_BACK_PARAMETER);
      if (token) emit('click_back', { token });
    },
  };

  // Created without a prototype so that `_rejoiner.push(['toString'])` finds no command.
  const commands: Record<string, Command> = {
    __proto__: null as unknown as Command,
    setAccount(site) {
      if ((site && typeof site != 'object') || site === 0) sender._setSite('' + site);
      else report(BAD_SITE, site);
    },
    setDomain: identity._setDomain,
    setEndpoint: (url) => sender._setEndpoint(resolve(url).replace(/\/+$/, '')),
    setDebug,
    setFormScan,
    setUrlScrub,
    trackPageView(enabled) {
      if (enabled === false) autoPageView = false;
    },
    addPageView: (argument) =>
      pageView(resolve(isObject(argument) ? argument.url : argument), (argument as { title?: string } | null)?.title),
    trackProductView: (product) => emit('product_view', product),
    setCartData(cart) {
      // Cart data may carry the shopper's email: its own event, once the cart's is kept.
      if (emitCart('cart_data', cart) && (cart as { email?: unknown }).email != null) emitEmail((cart as { email: unknown }).email);
    },
    setCartItem: (item) => emitCart('cart_item', item),
    removeCartItem: (item) => emit('cart_item_removed', isObject(item) ? item : { product_id: item }),
    clearCartData() {
      emit('cart_cleared', {});
      identity._closeOrder();
    },
    startNewOrder() {
      identity._newOrder();
      emit('order_started', {});
    },
    sendConversion(conversion) {
      if (emit('conversion', conversion ?? {}, 1)) identity._closeOrder();
    },
    setCustomerEmail: emitEmail,
  };

  return { _commands: commands, _tracker: tracker, _emit: emit };
}
