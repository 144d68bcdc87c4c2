/**
 * The webhook outbox for the merchant's dashboard (ARCHITECTURE.md "Dashboard JSON"), under the
 * dashboard's access rules (inspector/dashboard-access.ts: the login cookie, or a local request
 * when nothing is configured); a site login sees its own site's deliveries only.
 *
 *   GET  /webhooks/deliveries?site=shop&state=dead&limit=50&before=CURSOR   newest first, paged
 *   GET  /webhooks/deliveries/{id}                                one delivery, with its payload
 *   POST /webhooks/deliveries/{id}/retry                          a dead or suppressed one, due now
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { replyError, replyJson } from '../http/http-io';
import type { RequestTarget } from '../http/request-target';
import type { DashboardAccess } from '../inspector/dashboard-access';
import type { DeliveryState, WebhookDelivery } from '../domain/webhook-events';
import type { Store } from '../store/store';
import { isSiteId } from '../sites';

export type DeliveriesHandler = (req: IncomingMessage, res: ServerResponse, url: RequestTarget, segments: string[]) => Promise<void>;

const STATES: readonly DeliveryState[] = ['pending', 'delivered', 'dead', 'suppressed'];
const MAX_PAGE = 100;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());

/** A delivery as the dashboard reads it: times in ISO 8601, the payload parsed. */
export const deliveryJson = (delivery: WebhookDelivery): Record<string, unknown> => ({
  id: delivery.id,
  site: delivery.site,
  type: delivery.type,
  url: delivery.url,
  state: delivery.state,
  attempts: Number(delivery.attempts),
  next_attempt_at: delivery.state == 'pending' ? iso(delivery.next_at) : null,
  created_at: iso(delivery.created_at),
  updated_at: iso(delivery.updated_at),
  gives_up_at: delivery.state == 'pending' ? iso(delivery.deadline) : null,
  delivered_at: iso(delivery.delivered_at),
  last_status: delivery.last_status,
  last_error: delivery.last_error,
  session: delivery.session,
  order_id: delivery.order_id,
  email: delivery.email,
  payload: JSON.parse(delivery.body),
});

const cursorOf = (delivery: WebhookDelivery): string => Buffer.from(JSON.stringify([Number(delivery.created_at), delivery.id])).toString('base64url');
/** Delivery ids are `whd_` and hex (newDeliveryId); a cursor's id is checked against a wider form. */
const DELIVERY_ID_TEXT = /^[A-Za-z0-9_-]{0,100}$/;
const readCursor = (text: string): [number, string] | undefined => {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    // The id as this listing writes it: a hand-made one never reaches the database (PostgreSQL
    // refuses a NUL in a text parameter with an error, not an empty page).
    return Array.isArray(value) && Number.isSafeInteger(value[0]) && typeof value[1] == 'string' && DELIVERY_ID_TEXT.test(value[1])
      ? [value[0], value[1]]
      : undefined;
  } catch {
    return undefined;
  }
};

/** A POST that changes something must come from a page of this collector (no cross-site form posts). */
const isSameOrigin = (req: IncomingMessage): boolean => {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host == req.headers.host;
  } catch {
    return false;
  }
};

export function createDeliveriesHandler({ access, store, now = Date.now }: { access: DashboardAccess; store: Store; now?: () => number }): DeliveriesHandler {
  return async (req, res, url, segments) => {
    const [, collection, id, action] = segments;
    if (collection != 'deliveries' || segments.length > 4 || (action !== undefined && action != 'retry')) return replyError(res, 404, 'not found');
    const scope = access.scopeOf(req);
    if ('refused' in scope) return replyError(res, 401, scope.refused);
    const visible = (delivery: WebhookDelivery | undefined): delivery is WebhookDelivery =>
      !!delivery && (scope.site === undefined || delivery.site == scope.site);

    if (action == 'retry') {
      if (req.method != 'POST') return replyError(res, 405, 'use POST', { allow: 'POST' });
      if (!isSameOrigin(req)) return replyError(res, 403, 'retry from a page of this collector');
      if (!visible(await store.lifecycle.getDelivery(id))) return replyError(res, 404, 'no such delivery');
      if (!(await store.lifecycle.retryDelivery(id, now()))) return replyError(res, 409, 'only a dead or suppressed delivery can be retried');
      return replyJson(res, 200, deliveryJson((await store.lifecycle.getDelivery(id))!));
    }
    if (req.method != 'GET' && req.method != 'HEAD') return replyError(res, 405, 'use GET', { allow: 'GET, HEAD' });
    if (id !== undefined) {
      const delivery = await store.lifecycle.getDelivery(id);
      return visible(delivery) ? replyJson(res, 200, deliveryJson(delivery)) : replyError(res, 404, 'no such delivery');
    }
    // `site` narrows an admin's listing to the site the dashboard shows; a site login may name its own only.
    const site = url.searchParams.get('site') ?? undefined;
    if (site !== undefined && scope.site !== undefined && site != scope.site) return replyError(res, 403, `this login sees site "${scope.site}" only`);
    if (site !== undefined && !isSiteId(site)) return replyError(res, 400, 'site: 1-64 of A-Z a-z 0-9 _ . -');
    const state = url.searchParams.get('state') ?? undefined;
    if (state !== undefined && !STATES.includes(state as DeliveryState)) return replyError(res, 400, `state: one of ${STATES.join(', ')}`);
    const limitText = url.searchParams.get('limit') ?? '50';
    const limit = Number(limitText);
    if (!/^\d{1,3}$/.test(limitText) || limit < 1 || limit > MAX_PAGE) return replyError(res, 400, `limit: 1-${MAX_PAGE}`);
    const beforeText = url.searchParams.get('before');
    const before = beforeText === null ? undefined : readCursor(beforeText);
    if (beforeText !== null && !before) return replyError(res, 400, 'before: not a cursor of this listing');
    const rows = await store.lifecycle.listDeliveries(scope.site ?? site, { limit: limit + 1, before, state: state as DeliveryState | undefined });
    const page = rows.slice(0, limit);
    replyJson(res, 200, { deliveries: page.map(deliveryJson), next: rows.length > limit ? cursorOf(page[page.length - 1]) : null });
  };
}
