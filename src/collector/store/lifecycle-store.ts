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
import type { CustomerRow, OrderHeader } from '../domain/records';
import {
  cartJson,
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
import type { ConversionNote, DeliveryChange, Engine, RecordTx } from './engine';
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
  /** Why an abandonment delivery must not go out now (read just before each attempt), or null. */
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
}

const itemsOf = async (engine: Engine, order: OrderHeader) =>
  (await engine.reads.items(order.site, order.id, MAX_ORDER_ITEMS)).flatMap((row) => (row.item ? [row.item] : []));

export function createLifecycleStore(engine: Engine): LifecycleStore {
  const customersOf = async (tx: RecordTx, site: string, emails: (string | null)[]): Promise<Map<string, CustomerRow>> => {
    const wanted = [...new Set(emails.filter((email): email is string => !!email))];
    const found = wanted.length ? await tx.customersByEmail(wanted.map((email) => [site, email])) : [];
    return new Map(found.map((customer) => [customer.email!, customer]));
  };

  /** The webhook of one abandoned session (none without an email: nobody to write to). */
  const abandonmentDeliveries = async (
    site: LifecycleSite,
    session: IdleSession,
    state: LifecycleState,
    order: OrderHeader | undefined,
    customer: CustomerRow | undefined,
    now: number,
  ): Promise<WebhookDelivery[]> => {
    const email = order?.email ?? session.email;
    if (!email || !site.endpoints.length) return [];
    const cart = state == 'abandoned_cart' && order ? order : undefined;
    const returnUrl = withClickToken(cart?.cart_data.return_url ?? session.last_url, makeClickToken(site.secret, session.id, now));
    const data = {
      session: sessionJson(session),
      customer: customerJson(customer, email),
      cart: cart ? cartJson(cart, await itemsOf(engine, cart), returnUrl) : null,
      return_url: returnUrl,
      abandoned_at: new Date(now).toISOString(),
    };
    const type = state == 'abandoned_cart' ? 'cart_abandoned' : 'browse_abandoned';
    const suppressed = suppressionOf(customer, session.first_seen, order);
    return deliveriesOf(site.endpoints, { site: site.id, type, data, session: session.id, order: order?.id, email }, now, suppressed);
  };

  return {
    detectAbandonments: (site, now, limit = DETECTION_BATCH) =>
      engine.transaction([], async (tx) => {
        const report: DetectionReport = { decided: 0, states: {}, deliveries: 0 };
        const idle = await tx.automation.claimIdleSessions(site.id, now - site.bufferMs, limit);
        if (!idle.length) return report;
        const orders = new Map((await tx.automation.latestOrders(site.id, idle.map((session) => session.id))).map((order) => [order.session, order]));
        const customers = await customersOf(tx, site.id, idle.flatMap((session) => [session.email, orders.get(session.id)?.email ?? null]));
        const decisions: { id: string; state: LifecycleState; events: number; order: string | null }[] = [];
        const deliveries: WebhookDelivery[] = [];
        for (const session of idle) {
          const order = orders.get(session.id);
          const state = decideSession(session, order);
          decisions.push({ id: session.id, state, events: session.events, order: order?.id ?? null });
          report.states[state] = (report.states[state] ?? 0) + 1;
          if (isAbandoned(state)) {
            const email = order?.email ?? session.email;
            deliveries.push(...(await abandonmentDeliveries(site, session, state, order, email ? customers.get(email) : undefined, now)));
          }
        }
        await tx.automation.decideSessions(site.id, decisions, now);
        await tx.automation.enqueue(deliveries);
        report.decided = decisions.length;
        report.deliveries = deliveries.length;
        return report;
      }),

    noteConversions: (endpoints, now, limit = DETECTION_BATCH) =>
      engine.transaction([], async (tx) => {
        const orders = await tx.automation.claimConversions(limit);
        const deliveries: WebhookDelivery[] = [];
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
          const targets = endpoints(order.site);
          if (!targets.length) continue;
          const customer = order.email ? (await customersOf(tx, order.site, [order.email])).get(order.email) : undefined;
          const data = {
            order: cartJson(order, await itemsOf(engine, order), null),
            customer: customerJson(customer, order.email),
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
          deliveries.push(...deliveriesOf(targets, { site: order.site, type: 'order_converted', data, session: order.session, order: order.id, email: order.email }, now));
        }
        await tx.automation.noteConversions(notes, now);
        await tx.automation.enqueue(deliveries);
        return orders.length;
      }),

    claimDeliveries: (now, leaseUntil, limit) => engine.transaction([], (tx) => tx.automation.claimDue(now, leaseUntil, limit)),

    async suppressionNow(delivery) {
      if ((delivery.type != 'cart_abandoned' && delivery.type != 'browse_abandoned') || !delivery.session) return null;
      const [session, order, customer] = await Promise.all([
        engine.reads.session(delivery.site, delivery.session),
        delivery.order_id ? engine.reads.order(delivery.site, delivery.order_id) : undefined,
        delivery.email ? engine.reads.customerByEmail(delivery.site, delivery.email) : undefined,
      ]);
      return suppressionOf(customer, session?.first_seen ?? 0, order);
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
  };
}
