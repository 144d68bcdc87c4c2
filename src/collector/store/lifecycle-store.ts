/**
 * The lifecycle and webhook side of the store, written once over any Engine (README
 * "Abandonment", "Webhooks"): abandonment detection, conversions noticed after commit, and
 * the durable outbox. Each step is one transaction whose rows are claimed (engine.ts
 * AutomationTx), so nodes sharing a database split the work and never do the same row twice;
 * a node that dies mid-step rolls back and the rows wait for the next tick of any node.
 * Nothing here reads a clock: every step is given `now`, so tests move time instead of sleeping.
 */
import { CLICK_TOKEN_TTL_MS, makeClickToken, withClickToken } from '../domain/click-token';
import { decideSession, DETECTION_BATCH, isAbandoned, RECOVERY_WINDOW_MS, type IdleSession, type LifecycleState } from '../domain/lifecycle';
import type { CartItem } from '../../protocol/types';
import type { CustomerRow, OrderHeader } from '../domain/records';
import {
  cartJson,
  consentChangeEvent,
  customerJson,
  deliveriesOf,
  sessionJson,
  suppressionOf,
  type DeliveryState,
  type SuppressionReason,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../domain/webhook-events';
import { DELIVERY_HORIZON_MS } from '../domain/webhook-schedule';
import type { Abandonment, ConversionNote, DeliveryChange, Engine, RecordTx } from './engine';
import { MAX_ORDER_ITEMS } from '../ingest/event-limits';

/** What detection needs of a site: its id, buffer, receivers and the secret its click tokens derive from. */
export interface LifecycleSite {
  id: string;
  bufferMs: number;
  endpoints: readonly WebhookEndpoint[];
  secret: string;
}

export interface DetectionReport {
  decided: number;
  /** Decisions by state. */
  states: Partial<Record<LifecycleState, number>>;
  /** Deliveries enqueued (suppressed ones included). */
  deliveries: number;
}

export interface LifecycleStore {
  /** Decides at most `limit` sessions of `site` idle since before `now - bufferMs`, and enqueues their webhooks. */
  detectAbandonments(site: LifecycleSite, now: number, limit?: number): Promise<DetectionReport>;
  /** Looks at converted orders not looked at yet: recoveries, suppression of pending abandonment webhooks, order_converted. */
  noteConversions(endpoints: (site: string) => readonly WebhookEndpoint[], now: number, limit?: number): Promise<number>;
  /** Due deliveries, leased to the caller until `leaseUntil` (their attempt counted). */
  claimDeliveries(now: number, leaseUntil: number, limit: number): Promise<WebhookDelivery[]>;
  /** Why a delivery must not go out now (read just before each attempt): erased since it was claimed, or an abandonment's suppression; or null. */
  suppressionNow(delivery: WebhookDelivery): Promise<SuppressionReason | null>;
  /** Records the outcomes of attempts, all in one transaction (one commit per tick, not per webhook). */
  finishDeliveries(outcomes: { delivery: WebhookDelivery; change: DeliveryChange }[], now: number): Promise<void>;
  /** Deliveries of a site (all sites without one), newest first; `before` is the last one of the previous page. */
  listDeliveries(site: string | undefined, query: { limit: number; before?: [number, string]; state?: DeliveryState }): Promise<WebhookDelivery[]>;
  getDelivery(id: string): Promise<WebhookDelivery | undefined>;
  /** Puts a dead or suppressed delivery back in the outbox, due now, with a new horizon. */
  retryDelivery(id: string, now: number): Promise<boolean>;
  /** Webhooks about a customer (unsubscribed, opted in), enqueued in the transaction `tx` that changed it. */
  enqueueCustomerEvent(tx: RecordTx, endpoints: readonly WebhookEndpoint[], type: 'customer_unsubscribed' | 'customer_opted_in', customer: CustomerRow, now: number): Promise<void>;
  /**
   * The webhook a write that sets the email permission as a field (Custobar's `can_email`,
   * HubRise's `email_marketing`) owes, enqueued in its transaction `tx`: see consentChangeEvent
   * for when there is one. `before` is the customer as the write found it (undefined: new).
   */
  enqueueConsentChange(tx: RecordTx, endpoints: readonly WebhookEndpoint[], before: CustomerRow | undefined, after: CustomerRow, now: number): Promise<void>;
}

/** The lines of a batch's orders by order id, in one read (never one round trip per order). */
const itemsOfOrders = async (tx: RecordTx, site: string, orders: OrderHeader[]): Promise<Map<string, CartItem[]>> => {
  const byOrder = new Map<string, CartItem[]>(orders.map((order) => [order.id, []]));
  for (const row of await tx.automation.orderItems(site, orders.map((order) => order.id), MAX_ORDER_ITEMS)) if (row.item) byOrder.get(row.order)?.push(row.item);
  return byOrder;
};

export function createLifecycleStore(engine: Engine): LifecycleStore {
  const customersOf = async (tx: RecordTx, site: string, emails: (string | null)[]): Promise<Map<string, CustomerRow>> => {
    const wanted = [...new Set(emails.filter((email): email is string => !!email))];
    const found = wanted.length ? await tx.customersByEmail(wanted.map((email) => [site, email])) : [];
    return new Map(found.map((customer) => [customer.email!, customer]));
  };

  /** The webhook of one abandoned session (none without an email: nobody to write to). */
  const abandonmentDeliveries = (
    site: LifecycleSite,
    session: IdleSession,
    state: LifecycleState,
    order: OrderHeader | undefined,
    customer: CustomerRow | undefined,
    items: CartItem[],
    now: number,
  ): WebhookDelivery[] => {
    const email = order?.email ?? session.email;
    if (!email || !site.endpoints.length) return [];
    const cart = state == 'abandoned_cart' && order ? order : undefined;
    const returnUrl = withClickToken(cart?.cart_data.return_url ?? session.last_url, makeClickToken(site.secret, session.id, now));
    const data = {
      session: sessionJson(session),
      customer: customerJson(customer, email),
      cart: cart ? cartJson(cart, items, returnUrl) : null,
      return_url: returnUrl,
      abandoned_at: new Date(now).toISOString(),
    };
    const type = state == 'abandoned_cart' ? 'cart_abandoned' : 'browse_abandoned';
    const suppressed = suppressionOf(customer, session.first_seen, order);
    return deliveriesOf(site.endpoints, { site: site.id, type, data, session: session.id, order: order?.id, email }, now, suppressed);
  };

  const store: LifecycleStore = {
    detectAbandonments: (site, now, limit = DETECTION_BATCH) =>
      engine.transaction([], async (tx) => {
        const report: DetectionReport = { decided: 0, states: {}, deliveries: 0 };
        const idle = await tx.automation.claimIdleSessions(site.id, now - site.bufferMs, limit);
        if (!idle.length) return report;
        // Every read is one query for the whole batch (orders, customers, cart lines): a query per cart made a PostgreSQL tick several times slower.
        const orders = new Map((await tx.automation.latestOrders(site.id, idle.map((session) => session.id))).map((order) => [order.session, order]));
        const decided = idle.map((session) => {
          const order = orders.get(session.id);
          return { session, order, state: decideSession(session, order) };
        });
        // Webhooks only where someone can be written to: an abandonment with an email, and a receiver.
        const abandoned = site.endpoints.length ? decided.filter(({ session, order, state }) => isAbandoned(state) && (order?.email ?? session.email)) : [];
        const customers = await customersOf(tx, site.id, abandoned.map(({ session, order }) => order?.email ?? session.email));
        const items = await itemsOfOrders(tx, site.id, abandoned.flatMap(({ state, order }) => (state == 'abandoned_cart' && order ? [order] : [])));
        const decisions: { id: string; state: LifecycleState; events: number; order: string | null }[] = [];
        const deliveries: WebhookDelivery[] = [];
        for (const { session, order, state } of decided) {
          decisions.push({ id: session.id, state, events: session.events, order: order?.id ?? null });
          report.states[state] = (report.states[state] ?? 0) + 1;
        }
        for (const { session, order, state } of abandoned)
          deliveries.push(...abandonmentDeliveries(site, session, state, order, customers.get((order?.email ?? session.email)!), (order && items.get(order.id)) ?? [], now));
        await tx.automation.decideSessions(site.id, decisions, now);
        await tx.automation.enqueue(deliveries);
        report.decided = decisions.length;
        report.deliveries = deliveries.length;
        return report;
      }),

    noteConversions: (endpoints, now, limit = DETECTION_BATCH) =>
      engine.transaction([], async (tx) => {
        const orders = await tx.automation.claimConversions(limit);
        // The abandonment side, order by order: two conversions of one batch may recover the same session.
        const noticed: { order: OrderHeader; abandonment: Abandonment | undefined; notices: { id: string; state: DeliveryState }[]; clicked: boolean }[] = [];
        const notes: ConversionNote[] = [];
        for (const order of orders) {
          const abandonment = await tx.automation.abandonmentOf(order.site, order.id, order.email, now - RECOVERY_WINDOW_MS, now);
          let notices: { id: string; state: DeliveryState }[] = [];
          let clicked = false;
          if (abandonment) {
            await tx.automation.markRecovered(order.site, abandonment.session, now);
            // Converted first: a webhook about the abandonment still waiting must not go out any more.
            notices = await tx.automation.suppressAbandonment(order.site, abandonment.session, 'converted', now);
            // Links exist only in abandonment webhooks: a click-back of this customer while a link could still be valid.
            clicked = !!order.email && (await tx.automation.clickedBetween(order.site, order.email, now - CLICK_TOKEN_TTL_MS, now));
          }
          // Stored as the webhook says it, whether or not a receiver is configured: the dashboard reads it.
          notes.push({ site: order.site, id: order.id, recovered_session: abandonment?.session ?? null, click_back: clicked });
          if (endpoints(order.site).length) noticed.push({ order, abandonment, notices, clicked });
        }
        // What the webhooks show, one read per kind and site for the whole batch.
        const customers = new Map<string, Map<string, CustomerRow>>();
        const items = new Map<string, Map<string, CartItem[]>>();
        for (const site of new Set(noticed.map(({ order }) => order.site))) {
          const ofSite = noticed.filter(({ order }) => order.site == site).map(({ order }) => order);
          customers.set(site, await customersOf(tx, site, ofSite.map((order) => order.email)));
          items.set(site, await itemsOfOrders(tx, site, ofSite));
        }
        const deliveries: WebhookDelivery[] = [];
        for (const { order, abandonment, notices, clicked } of noticed) {
          const data = {
            order: cartJson(order, items.get(order.site)?.get(order.id) ?? [], null),
            customer: customerJson(order.email ? customers.get(order.site)?.get(order.email) : undefined, order.email),
            converted_at: order.converted_at === null ? null : new Date(order.converted_at).toISOString(),
            recovered: !!abandonment,
            click_back: clicked,
            campaign_type: order.campaign_type,
            campaign_ids: order.campaign_ids,
            abandonment: abandonment
              ? {
                  session: abandonment.session,
                  kind: abandonment.state == 'abandoned_browse' ? 'browse' : 'cart',
                  detected_at: new Date(abandonment.at).toISOString(),
                  // Which abandonment webhooks went out, and which the conversion stopped ("suppressed").
                  deliveries: notices,
                }
              : null,
          };
          deliveries.push(...deliveriesOf(endpoints(order.site), { site: order.site, type: 'order_converted', data, session: order.session, order: order.id, email: order.email }, now));
        }
        await tx.automation.noteConversions(notes, now);
        await tx.automation.enqueue(deliveries);
        return orders.length;
      }),

    claimDeliveries: (now, leaseUntil, limit) => engine.transaction([], (tx) => tx.automation.claimDue(now, leaseUntil, limit)),

    async suppressionNow(delivery) {
      const abandonment = (delivery.type == 'cart_abandoned' || delivery.type == 'browse_abandoned') && !!delivery.session;
      // One query: whether an erasure deleted it since it was claimed, and what the abandonment rules look at.
      const facts = await engine.reads.deliveryFacts(abandonment ? delivery : { ...delivery, session: null, order_id: null, email: null });
      if (!facts.exists) return 'erased';
      return abandonment ? suppressionOf(facts.customer, facts.sessionFirstSeen ?? 0, facts.order) : null;
    },

    async finishDeliveries(outcomes, now) {
      if (!outcomes.length) return;
      await engine.transaction([], async (tx) => {
        for (const { delivery, change } of outcomes) await tx.automation.finishDelivery(delivery.id, delivery.attempts, change, now);
      });
    },

    listDeliveries: (site, { limit, before, state }) => engine.transaction([], (tx) => tx.automation.deliveries(site, limit, before, state)),
    getDelivery: (id) => engine.transaction([], (tx) => tx.automation.delivery(id)),
    retryDelivery: (id, now) => engine.transaction([], (tx) => tx.automation.retryDelivery(id, now, now + DELIVERY_HORIZON_MS)),

    async enqueueCustomerEvent(tx, endpoints, type, customer, now) {
      if (!endpoints.length) return;
      const data = { customer: customerJson(customer, customer.email), at: new Date(now).toISOString() };
      await tx.automation.enqueue(deliveriesOf(endpoints, { site: customer.site, type, data, email: customer.email }, now));
    },

    async enqueueConsentChange(tx, endpoints, before, after, now) {
      const type = consentChangeEvent(before, after);
      if (type) await store.enqueueCustomerEvent(tx, endpoints, type, after, now);
    },
  };
  return store;
}
