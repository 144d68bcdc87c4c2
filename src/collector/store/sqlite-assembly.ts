/**
 * Assembly on write: each newly stored event updates its session, order, visitor and customer
 * inside the same transaction as the event row, so what the REST API and the inspector read is
 * always consistent with the event log (and a duplicate, which is not stored, changes nothing).
 * Chosen over read-time views because the REST API reads customers and open orders by email
 * far more often than it would be worth rebuilding them from the log.
 *
 * One `AssemblyUnit` serves one transaction: sessions, visitors and orders touched by many
 * events of a group commit are read once, changed in memory and written once in `finish()`.
 * That is what keeps a burst of beacons cheap: twenty cart events of one order cost one read
 * and one write of the order, not twenty.
 */
import type { Database } from 'better-sqlite3';
import type { Customer, CustomerEmail, ListSubscription, Metadata, WireEvent } from '../../protocol/types';
import { mergeProfile } from '../assembly/customer-profile';
import { applyOrderEvent, createOrder, ORDER_EVENT_TYPES, type OrderState } from '../assembly/order-assembly';
import type { ChangeLog } from './change-log';
import type { SqliteRecords } from './sqlite-records';
import type { CustomerProfile } from './store';

export interface AssemblyUnit {
  apply(site: string, event: WireEvent): void;
  /** Writes what the unit changed; call inside the transaction, after the last `apply`. */
  finish(): void;
}

interface SessionDelta {
  site: string;
  id: string;
  visitor: string;
  first: number;
  last: number;
  url: string;
  pageViews: number;
  events: number;
  email?: string;
  metadata?: Metadata;
}

interface VisitorState {
  email: string | null;
  pending: CustomerProfile | null;
  dirty: boolean;
}

const keyOf = (site: string, id: string): string => `${site}\u0000${id}`;

export function createSqliteAssembler(db: Database, records: SqliteRecords, changes: ChangeLog): (now: number) => AssemblyUnit {
  const upsertSession = db.prepare(
    `INSERT INTO sessions (site, id, visitor, email, first_seen, last_seen, page_views, events, last_url, updated_at)
     VALUES (@site, @id, @visitor, (SELECT email FROM visitors WHERE site = @site AND id = @visitor),
             @first, @last, @pageViews, @events, @url, @now)
     ON CONFLICT (site, id) DO UPDATE SET
       email = coalesce(email, excluded.email),
       first_seen = min(first_seen, excluded.first_seen),
       last_seen = max(last_seen, excluded.last_seen),
       page_views = page_views + excluded.page_views,
       events = events + excluded.events,
       last_url = CASE WHEN excluded.last_seen >= last_seen THEN excluded.last_url ELSE last_url END,
       updated_at = excluded.updated_at`,
  );
  const setSessionEmail = db.prepare('UPDATE sessions SET email = ? WHERE site = ? AND id = ?');
  const selectSessionMetadata = db.prepare<[string, string], { metadata: string }>('SELECT metadata FROM sessions WHERE site = ? AND id = ?');
  const setSessionMetadata = db.prepare('UPDATE sessions SET metadata = ? WHERE site = ? AND id = ?');
  const selectVisitor = db.prepare<[string, string], { email: string | null; pending: string | null }>(
    'SELECT email, pending FROM visitors WHERE site = ? AND id = ?',
  );
  const upsertVisitor = db.prepare(
    `INSERT INTO visitors (site, id, email, pending) VALUES (?, ?, ?, ?)
     ON CONFLICT (site, id) DO UPDATE SET email = excluded.email, pending = excluded.pending`,
  );
  const selectUnlinkedOrders = db.prepare<[string, string], { id: string }>(
    'SELECT id FROM orders WHERE site = ? AND visitor = ? AND email IS NULL',
  );

  return (now) => {
    const sessions = new Map<string, SessionDelta>();
    const visitors = new Map<string, VisitorState>();
    const orders = new Map<string, OrderState>();
    const dirtyOrders = new Set<string>();

    const visitorOf = (site: string, id: string): VisitorState => {
      const key = keyOf(site, id);
      let visitor = visitors.get(key);
      if (!visitor) {
        const row = selectVisitor.get(site, id);
        visitor = { email: row?.email ?? null, pending: row?.pending ? JSON.parse(row.pending) : null, dirty: false };
        visitors.set(key, visitor);
      }
      return visitor;
    };

    const orderOf = (site: string, id: string): OrderState | undefined => {
      const key = keyOf(site, id);
      let order = orders.get(key);
      if (!order && (order = records.getOrder(site, id))) orders.set(key, order);
      return order;
    };

    const putOrder = (order: OrderState): void => {
      const key = keyOf(order.site, order.id);
      orders.set(key, order);
      dirtyOrders.add(key);
      changes.note(order.site, 'orders', order.id);
    };

    const mergeIntoCustomer = (site: string, email: string, profile: CustomerProfile): void => {
      const customer = records.ensureCustomer(site, email, now);
      records.putCustomer({ ...customer, profile: mergeProfile(customer.profile, { profile, replaceMetadata: false }), updated_at: now });
      changes.note(site, 'customers', email);
    };

    const onCustomerEmail = (site: string, event: WireEvent, session: SessionDelta): void => {
      const { email } = event.data as CustomerEmail;
      const visitor = visitorOf(site, event.visitor);
      const pending = visitor.pending;
      Object.assign(visitor, { email, pending: null, dirty: true });
      records.ensureCustomer(site, email, now);
      changes.note(site, 'customers', email);
      // customer_data that came before the email belongs to this customer now.
      if (pending) mergeIntoCustomer(site, email, pending);
      session.email = email;
      for (const { id } of selectUnlinkedOrders.all(site, event.visitor)) orderOf(site, id);
      for (const order of orders.values())
        if (order.site == site && order.visitor == event.visitor && !order.email) putOrder({ ...order, email });
      const current = event.order ? orderOf(site, event.order) : undefined;
      if (current && current.email != email) putOrder({ ...current, email });
    };

    const onCustomerData = (site: string, event: WireEvent): void => {
      const profile = event.data as Customer;
      const visitor = visitorOf(site, event.visitor);
      if (visitor.email) return mergeIntoCustomer(site, visitor.email, profile);
      visitor.pending = mergeProfile(visitor.pending ?? {}, { profile, replaceMetadata: false });
      visitor.dirty = true;
    };

    const onListSubscription = (site: string, event: WireEvent): void => {
      const data = event.data as ListSubscription;
      const customer = records.ensureCustomer(site, data.email, now);
      const entry = { list_id: data.list_id, first_name: data.first_name ?? null, source: data.source ?? null, subscribed_at: event.ts };
      const profile = customer.profile.first_name || !data.first_name ? customer.profile : { ...customer.profile, first_name: data.first_name };
      const lists = customer.lists.filter((list) => list.list_id != data.list_id).concat(entry);
      records.putCustomer({ ...customer, profile, lists, updated_at: now });
      changes.note(site, 'customers', data.email);
    };

    const onOrderEvent = (site: string, event: WireEvent): void => {
      // A conversion with no open order is still a conversion: keep it under the event's id.
      const orderId = event.order ?? (event.type == 'conversion' ? `event:${event.id}` : null);
      if (!orderId) return;
      const order = applyOrderEvent(orderOf(site, orderId) ?? createOrder(site, orderId, event.ts), event);
      if (!order.email) order.email = visitorOf(site, event.visitor).email;
      putOrder(order);
    };

    const sessionOf = (site: string, event: WireEvent): SessionDelta => {
      const key = keyOf(site, event.session);
      let session = sessions.get(key);
      if (!session) {
        session = { site, id: event.session, visitor: event.visitor, first: event.ts, last: event.ts, url: event.url, pageViews: 0, events: 0 };
        sessions.set(key, session);
        changes.note(site, 'sessions', event.session);
      }
      return session;
    };

    return {
      apply(site, event) {
        const session = sessionOf(site, event);
        session.events++;
        if (event.type == 'page_view') session.pageViews++;
        session.first = Math.min(session.first, event.ts);
        if (event.ts >= session.last) Object.assign(session, { last: event.ts, url: event.url });
        if (ORDER_EVENT_TYPES.has(event.type)) onOrderEvent(site, event);
        else if (event.type == 'customer_email') onCustomerEmail(site, event, session);
        else if (event.type == 'customer_data') onCustomerData(site, event);
        else if (event.type == 'list_subscription') onListSubscription(site, event);
        else if (event.type == 'session_metadata')
          session.metadata = { ...session.metadata, ...(event.data as { metadata: Metadata }).metadata };
      },

      finish() {
        for (const [key, visitor] of visitors)
          if (visitor.dirty) {
            const [site, id] = key.split('\u0000');
            upsertVisitor.run(site, id, visitor.email, visitor.pending && JSON.stringify(visitor.pending));
          }
        for (const session of sessions.values()) {
          upsertSession.run({ ...session, now });
          if (session.email) setSessionEmail.run(session.email, session.site, session.id);
          if (session.metadata) {
            const row = selectSessionMetadata.get(session.site, session.id);
            const metadata = { ...(row ? (JSON.parse(row.metadata) as Metadata) : {}), ...session.metadata };
            setSessionMetadata.run(JSON.stringify(metadata), session.site, session.id);
          }
        }
        for (const key of dirtyOrders) records.putOrder(orders.get(key)!, now);
      },
    };
  };
}
