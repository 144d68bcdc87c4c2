/**
 * Webhook events and their deliveries (CONTRACTS.md "Webhooks"), pure apart from the random
 * delivery id: which receivers get an event, the body every attempt sends unchanged, and the
 * suppression rules of the two abandonment types.
 */
import { randomBytes } from 'node:crypto';
import type { CartItem } from '../../protocol/types';
import { CONSENT_CHANNELS, type CustomerRow, type OrderHeader } from './records';
import type { IdleSession } from './lifecycle';
import { DELIVERY_HORIZON_MS } from './webhook-schedule';

export type WebhookType = 'cart_abandoned' | 'browse_abandoned' | 'order_converted' | 'customer_unsubscribed' | 'customer_opted_in';
export const WEBHOOK_TYPES: readonly WebhookType[] = ['cart_abandoned', 'browse_abandoned', 'order_converted', 'customer_unsubscribed', 'customer_opted_in'];

/** `pending` until a 2xx (`delivered`), the horizon (`dead`) or a suppression rule (`suppressed`). */
export type DeliveryState = 'pending' | 'delivered' | 'dead' | 'suppressed';

/** One event for one receiver, as the outbox stores it. */
export interface WebhookDelivery {
  /** The delivery id: the body's `id` and `X-Rejoiner-Delivery`, the same on every attempt. */
  id: string;
  site: string;
  type: WebhookType;
  url: string;
  /** The raw JSON body, signed afresh but never changed between attempts. */
  body: string;
  state: DeliveryState;
  attempts: number;
  /** When the next attempt may start (while one runs: when its lease ends). */
  next_at: number;
  created_at: number;
  updated_at: number;
  /** No attempt starts after this: the delivery is dead-lettered (created_at, or a retry's time, plus the horizon). */
  deadline: number;
  last_status: number | null;
  /** Why the last attempt failed, why it was suppressed, or why it was dead-lettered. */
  last_error: string | null;
  delivered_at: number | null;
  /** What the event is about, for the suppression check at delivery and the dashboard. */
  session: string | null;
  order_id: string | null;
  email: string | null;
}

/** A receiver of a site (sites file `webhooks`). */
export interface WebhookEndpoint {
  url: string;
  events?: readonly string[];
}

/** Why an abandonment webhook is not sent (CONTRACTS.md), or null when it may be. */
export type SuppressionReason = 'unsubscribed' | 'consent_refused' | 'journeys_cancelled' | 'converted' | 'erased';

export const newDeliveryId = (): string => `whd_${randomBytes(12).toString('hex')}`;

/**
 * Why an abandonment of `session` must not reach the merchant: the customer unsubscribed (email
 * permission refused), refused profiling, had its journeys cancelled after the session began
 * (a later session is not affected), or the order converted first. Unknown consent does not
 * suppress.
 */
export function suppressionOf(
  customer: Pick<CustomerRow, 'status' | 'consent' | 'journeys_cancelled_at'> | undefined,
  sessionFirstSeen: number,
  order: Pick<OrderHeader, 'status'> | undefined,
): SuppressionReason | null {
  if (order?.status == 'converted') return 'converted';
  if (customer && customer.status != 'active') return 'erased';
  if (customer?.consent.email?.state == 'refused') return 'unsubscribed';
  if (customer?.consent.profiling?.state == 'refused') return 'consent_refused';
  const cancelled = customer?.journeys_cancelled_at ? Date.parse(customer.journeys_cancelled_at) : NaN;
  if (!Number.isNaN(cancelled) && cancelled >= sessionFirstSeen) return 'journeys_cancelled';
  return null;
}

/**
 * The webhook a change of the email permission set as a field sends (Custobar's `can_email`,
 * HubRise's `email_marketing` on the default list), as Rejoiner's unsubscribe and opt-in do:
 * `customer_unsubscribed` when it becomes refused, `customer_opted_in` when it becomes granted.
 * None when it is restated as it was (a nightly sync resends every record), made unknown again,
 * or about a deleted customer or one without an email (nobody to write to).
 */
export function consentChangeEvent(before: CustomerRow | undefined, after: CustomerRow): 'customer_unsubscribed' | 'customer_opted_in' | null {
  const state = after.consent.email?.state;
  if (!after.email || after.status != 'active' || state === undefined || state == before?.consent.email?.state) return null;
  return state == 'refused' ? 'customer_unsubscribed' : 'customer_opted_in';
}

/** The customer as payloads show it: ids, names and every consent flag (unknown included). */
export function customerJson(customer: CustomerRow | undefined, email: string | null): Record<string, unknown> {
  return {
    id: customer?.id ?? null,
    email: customer?.email ?? email,
    first_name: customer?.profile.first_name ?? null,
    last_name: customer?.profile.last_name ?? null,
    consent: Object.fromEntries(CONSENT_CHANNELS.map((channel) => [channel, customer?.consent[channel]?.state ?? 'unknown'])),
    journeys_cancelled_at: customer?.journeys_cancelled_at ?? null,
  };
}

/** An order's cart as payloads show it. */
export function cartJson(order: OrderHeader, items: CartItem[], returnUrl: string | null): Record<string, unknown> {
  const { return_url: _given, ...cart } = order.cart_data;
  return { order_id: order.id, status: order.status, ...cart, item_count: order.item_count, items, return_url: returnUrl };
}

/** The session as payloads show it. */
export const sessionJson = (session: IdleSession): Record<string, unknown> => ({
  id: session.id,
  visitor: session.visitor,
  started_at: new Date(session.first_seen).toISOString(),
  last_event_at: new Date(session.last_seen).toISOString(),
  page_views: session.page_views,
  product_views: session.product_views,
});

/** The body of one delivery: the same bytes on every attempt. */
export const webhookBody = (id: string, type: WebhookType, site: string, createdAt: number, data: Record<string, unknown>): string =>
  JSON.stringify({ id, type, created_at: new Date(createdAt).toISOString(), site, data });

/**
 * One delivery per receiver of the site that takes `type`; `suppressed` records them as not
 * sent (with the reason) so the dashboard shows why a merchant heard nothing.
 */
export function deliveriesOf(
  endpoints: readonly WebhookEndpoint[],
  event: { site: string; type: WebhookType; data: Record<string, unknown>; session?: string | null; order?: string | null; email?: string | null },
  now: number,
  suppressed: SuppressionReason | null = null,
): WebhookDelivery[] {
  return endpoints
    .filter((endpoint) => !endpoint.events || endpoint.events.includes(event.type))
    .map((endpoint) => {
      const id = newDeliveryId();
      return {
        id,
        site: event.site,
        type: event.type,
        url: endpoint.url,
        body: webhookBody(id, event.type, event.site, now, event.data),
        state: suppressed ? 'suppressed' : 'pending',
        attempts: 0,
        next_at: now,
        created_at: now,
        updated_at: now,
        deadline: now + DELIVERY_HORIZON_MS,
        last_status: null,
        last_error: suppressed,
        delivered_at: null,
        session: event.session ?? null,
        order_id: event.order ?? null,
        email: event.email ?? null,
      };
    });
}
