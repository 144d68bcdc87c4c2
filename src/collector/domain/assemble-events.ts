/**
 * Assembly of beacon events into sessions, visitors, orders and customers. Pure: the engine
 * loads what `recordsToLoad` names, this plans the writes, the engine applies the plan in the
 * same transaction as the events, so what the REST API and the dashboard read always agrees
 * with the event log (and a duplicate, which is not stored, changes nothing).
 *
 * Cost: each event reads and writes only the records it names (its session, visitor, order,
 * the one line it names, the customer of its email) and never a whole collection, so no
 * event costs more because an order, a session or a customer already holds a lot.
 */
import type { CustomerEmail, ListSubscription, Metadata, WireEvent } from '../../protocol/types';
import { createCustomerRow, mergeProfileFields, splitProfile } from './customer-rules';
import { keyOf, ownerOf } from './keys';
import { metadataProblem, moveMetadata, upsertMetadata, type MetadataKeys } from './metadata-rules';
import { applyOrderEvent, createOrderHeader, ORDER_EVENT_TYPES, type OrderChange } from './order-rules';
import { MAX_LISTS_PER_SITE } from '../ingest/event-limits';
import type { CustomerRow, ItemRow, ListRecord, OrderHeader, SessionDelta, VisitorRecord } from './records';
import { contributionOf, sameContribution, withOrder } from './statistics';
import { noteChange, planTags, type WritePlan } from './write-plan';

export interface SiteEvent {
  site: string;
  event: WireEvent;
}

/** The records a transaction loaded, by keyOf(site, id); missing ones do not exist yet. */
export interface BatchState {
  visitors: Map<string, VisitorRecord>;
  orders: Map<string, OrderHeader>;
  /** By keyOf(site, order, product_id). */
  items: Map<string, ItemRow>;
  /** By keyOf(site, email). */
  customers: Map<string, CustomerRow>;
  metadataKeys: MetadataKeys;
  /** Mailing lists the events name that exist, by keyOf(site, id). */
  lists: Map<string, ListRecord>;
  /** How many lists a site has, for sites where an event names a list that does not exist yet. */
  listCounts: Map<string, number>;
}

export const createBatchState = (): BatchState => ({
  visitors: new Map(),
  orders: new Map(),
  items: new Map(),
  customers: new Map(),
  metadataKeys: new Map(),
  lists: new Map(),
  listCounts: new Map(),
});

export interface AssemblyContext {
  now: number;
  /** Id of a customer created by this batch. */
  newCustomerId?: () => string;
}

/** The email an event names (customer_email, list_subscription), kept beside it so that erasure can find it. */
export const emailOfEvent = (event: WireEvent): string | null =>
  event.type == 'customer_email' || event.type == 'list_subscription' ? (event.data as CustomerEmail).email : null;

/** The order an event belongs to: its own, or one of its own for a conversion without an open order. */
export const orderIdOf = (event: WireEvent): string | null =>
  event.order ?? (event.type == 'conversion' ? `event:${event.id}` : null);

/**
 * What `assembleEvents` needs loaded for `events`: their visitors, orders and lines, the
 * customers of the emails they name, and the metadata keys of the owners they may add keys to.
 * Besides these, the engine loads (and locks) the customers of the loaded visitors' emails, and
 * the metadata keys of every customer it loads.
 */
export interface RecordsToLoad {
  visitors: [site: string, id: string][];
  orders: [site: string, id: string][];
  items: [site: string, order: string, productId: string][];
  emails: [site: string, email: string][];
  owners: [site: string, owner: string][];
  lists: [site: string, id: string][];
  /**
   * Visitors that tell an email: their converted orders that have none yet (the newest
   * CONVERTED_ORDERS_LINKED) are loaded too, so their value reaches the customer's statistics.
   */
  linkingVisitors: [site: string, visitor: string][];
}

/** Converted orders without an email that a visitor's first email brings into statistics. */
export const CONVERTED_ORDERS_LINKED = 100;

export function recordsToLoad(events: SiteEvent[]): RecordsToLoad {
  const unique = <T extends string[]>(list: T[]): T[] => [...new Map(list.map((entry) => [entry.join('\u0000'), entry])).values()];
  const wanted: RecordsToLoad = { visitors: [], orders: [], items: [], emails: [], owners: [], lists: [], linkingVisitors: [] };
  for (const { site, event } of events) {
    wanted.visitors.push([site, event.visitor]);
    const order = orderIdOf(event);
    if (order && (ORDER_EVENT_TYPES.has(event.type) || event.type == 'customer_email')) wanted.orders.push([site, order]);
    if (order && (event.type == 'cart_item' || event.type == 'cart_item_removed'))
      wanted.items.push([site, order, (event.data as { product_id: string }).product_id]);
    if (event.type == 'customer_email' || event.type == 'list_subscription') wanted.emails.push([site, (event.data as CustomerEmail).email]);
    if (event.type == 'list_subscription') wanted.lists.push([site, (event.data as ListSubscription).list_id]);
    if (event.type == 'customer_email') wanted.linkingVisitors.push([site, event.visitor]);
    if (order && (event.type == 'cart_data' || event.type == 'conversion')) wanted.owners.push([site, ownerOf('order', order)]);
    if (event.type == 'session_metadata') wanted.owners.push([site, ownerOf('session', event.session)]);
    // A visitor without an email keeps metadata of its own, moved to its customer with the first email.
    if (event.type == 'customer_data' || event.type == 'customer_email') wanted.owners.push([site, ownerOf('visitor', event.visitor)]);
  }
  return {
    visitors: unique(wanted.visitors),
    orders: unique(wanted.orders),
    items: unique(wanted.items),
    emails: unique(wanted.emails),
    owners: unique(wanted.owners),
    lists: unique(wanted.lists),
    linkingVisitors: unique(wanted.linkingVisitors),
  };
}

/** Plans the effects of `events` (new ones only: duplicates were not stored) into `plan`. */
export function assembleEvents(events: SiteEvent[], state: BatchState, plan: WritePlan, context: AssemblyContext): void {
  const { now } = context;

  const visitorFor = (site: string, id: string): VisitorRecord => {
    const key = keyOf(site, id);
    let visitor = state.visitors.get(key);
    if (!visitor) state.visitors.set(key, (visitor = { site, id, email: null, pending: null }));
    return visitor;
  };
  const writeVisitor = (visitor: VisitorRecord): void => {
    state.visitors.set(keyOf(visitor.site, visitor.id), visitor);
    plan.visitors.set(keyOf(visitor.site, visitor.id), visitor);
  };

  const writeCustomer = (customer: CustomerRow): void => {
    // Customers reached from beacons always have an email: they are found by it.
    if (customer.email) state.customers.set(keyOf(customer.site, customer.email), customer);
    plan.customers.set(keyOf(customer.site, customer.id), customer);
    noteChange(plan, customer.site, 'customers', customer.id);
  };
  const customerFor = (site: string, email: string): CustomerRow => {
    const found = state.customers.get(keyOf(site, email));
    if (found) return found;
    const customer = createCustomerRow(site, email, now, context.newCustomerId?.());
    writeCustomer(customer);
    return customer;
  };

  /** Writes an order, moving its contribution to customer statistics when it changed. */
  const writeOrder = (order: OrderHeader): void => {
    const key = keyOf(order.site, order.id);
    const before = contributionOf(state.orders.get(key));
    const after = contributionOf(order);
    if (!sameContribution(before, after))
      for (const [contribution, sign] of [[before, -1], [after, 1]] as const) {
        const customer = contribution && state.customers.get(keyOf(order.site, contribution.email));
        if (customer) writeCustomer({ ...customer, stats: withOrder(customer.stats, contribution!, sign) });
      }
    state.orders.set(key, order);
    plan.orders.set(key, order);
    noteChange(plan, order.site, 'orders', order.id);
  };

  const writeLines = (change: OrderChange): void => {
    const { site, id } = change.header;
    if (change.lines) {
      // The conversion's lines replace every line: forget the ones loaded or planned before.
      plan.clearedItems.set(keyOf(site, id), { site, order: id });
      for (const map of [state.items, plan.items])
        for (const [key, row] of map) if (row.site == site && row.order == id) map.delete(key);
    }
    for (const line of change.lines ?? (change.line ? [change.line] : [])) {
      const key = keyOf(site, id, line.product_id);
      state.items.set(key, line);
      plan.items.set(key, line);
    }
  };

  /** A rule refused the event: why, or undefined when it applied. */
  type Outcome = string | undefined;

  const onOrderEvent = (site: string, event: WireEvent): Outcome => {
    const orderId = orderIdOf(event);
    if (!orderId) return undefined;
    const order = state.orders.get(keyOf(site, orderId)) ?? createOrderHeader(site, orderId, event.ts);
    const productId = (event.data as { product_id?: string }).product_id;
    const line = productId === undefined ? undefined : state.items.get(keyOf(site, orderId, productId));
    const change = applyOrderEvent(order, event, line);
    if (change.refused) return change.refused;
    const owner = ownerOf('order', orderId);
    const cartMetadata = change.cartMetadata ?? {};
    const problem = metadataProblem(state.metadataKeys, site, owner, Object.keys(cartMetadata));
    if (problem) return problem;
    change.header.email ??= state.visitors.get(keyOf(site, event.visitor))?.email ?? null;
    writeOrder(change.header);
    writeLines(change);
    upsertMetadata(plan, state.metadataKeys, site, owner, cartMetadata);
    return undefined;
  };

  const onCustomerEmail = (site: string, event: WireEvent, session: SessionDelta): Outcome => {
    const { email } = event.data as CustomerEmail;
    const visitor = visitorFor(site, event.visitor);
    let customer = customerFor(site, email);
    // Profile data sent before the email belongs to this customer now.
    if (visitor.pending) {
      const { tags, ...fields } = visitor.pending;
      customer = { ...customer, profile: mergeProfileFields(customer.profile, fields), updated_at: now };
      writeCustomer(customer);
      if (tags) planTags(plan, site, customer.id, 'tag', tags);
    }
    // Metadata waits under the visitor only until its first email (then it goes to the customer).
    if (!visitor.email) moveMetadata(plan, state.metadataKeys, site, ownerOf('visitor', visitor.id), ownerOf('customer', customer.id));
    session.email = email;
    session.email_replaces = true;
    if (visitor.email != email || visitor.pending) {
      writeVisitor({ ...visitor, email, pending: null });
      // Orders of the visitor that were started before any email was known; later ones get it when made.
      if (!plan.linkedOrders.some((link) => link.site == site && link.visitor == event.visitor))
        plan.linkedOrders.push({ site, visitor: event.visitor, email });
    }
    for (const order of state.orders.values())
      if (order.site == site && order.visitor == event.visitor && !order.email) writeOrder({ ...order, email });
    const current = event.order ? state.orders.get(keyOf(site, event.order)) : undefined;
    if (current && current.email != email) writeOrder({ ...current, email });
    return undefined;
  };

  const onCustomerData = (site: string, event: WireEvent): Outcome => {
    const { fields, tags, metadata = {} } = splitProfile(event.data as never);
    const visitor = visitorFor(site, event.visitor);
    if (visitor.email) {
      const customer = customerFor(site, visitor.email);
      const owner = ownerOf('customer', customer.id);
      const problem = metadataProblem(state.metadataKeys, site, owner, Object.keys(metadata ?? {}));
      if (problem) return problem;
      writeCustomer({ ...customer, profile: mergeProfileFields(customer.profile, fields), updated_at: now });
      if (tags) planTags(plan, site, customer.id, 'tag', tags);
      upsertMetadata(plan, state.metadataKeys, site, owner, metadata ?? {});
      return undefined;
    }
    const owner = ownerOf('visitor', visitor.id);
    const problem = metadataProblem(state.metadataKeys, site, owner, Object.keys(metadata ?? {}));
    if (problem) return problem;
    const pending = mergeProfileFields(visitor.pending ?? {}, tags ? { ...fields, tags } : fields);
    writeVisitor({ ...visitor, pending });
    upsertMetadata(plan, state.metadataKeys, site, owner, metadata ?? {});
    return undefined;
  };

  const onListSubscription = (site: string, event: WireEvent): Outcome => {
    const data = event.data as ListSubscription;
    const listKey = keyOf(site, data.list_id);
    if (!state.lists.has(listKey)) {
      // A new list, named after its id. Anyone can name lists in beacons: a site holds at most so many.
      const count = state.listCounts.get(site) ?? 0;
      if (count >= MAX_LISTS_PER_SITE) return `list_id: the site has ${MAX_LISTS_PER_SITE} mailing lists already`;
      const list = { site, id: data.list_id, name: data.list_id, created_at: now };
      state.lists.set(listKey, { ...list, contact_count: 0 });
      state.listCounts.set(site, count + 1);
      plan.lists.set(listKey, list);
    }
    const customer = customerFor(site, data.email);
    plan.memberships.set(keyOf(site, customer.id, data.list_id), {
      site,
      customer: customer.id,
      list_id: data.list_id,
      first_name: data.first_name ?? null,
      source: data.source ?? null,
      subscribed_at: event.ts,
      custom_fields: null,
    });
    if (data.first_name && !customer.profile.first_name)
      writeCustomer({ ...customer, profile: { ...customer.profile, first_name: data.first_name }, updated_at: now });
    else noteChange(plan, site, 'customers', customer.id);
    return undefined;
  };

  const onSessionMetadata = (site: string, event: WireEvent): Outcome => {
    const { metadata } = event.data as { metadata: Metadata };
    const owner = ownerOf('session', event.session);
    const problem = metadataProblem(state.metadataKeys, site, owner, Object.keys(metadata));
    if (problem) return problem;
    upsertMetadata(plan, state.metadataKeys, site, owner, metadata);
    return undefined;
  };

  const sessionFor = (site: string, event: WireEvent): SessionDelta => {
    const key = keyOf(site, event.session);
    let session = plan.sessions.get(key);
    if (!session) {
      const email = state.visitors.get(keyOf(site, event.visitor))?.email ?? null;
      session = {
        site, id: event.session, visitor: event.visitor, first_seen: event.ts, last_seen: event.ts, last_url: event.url,
        page_views: 0, product_views: 0, events: 0, email, email_replaces: false,
      };
    }
    return session;
  };

  for (const { site, event } of events) {
    const session = sessionFor(site, event);
    let refused: Outcome;
    if (ORDER_EVENT_TYPES.has(event.type)) refused = onOrderEvent(site, event);
    else if (event.type == 'customer_email') refused = onCustomerEmail(site, event, session);
    else if (event.type == 'customer_data') refused = onCustomerData(site, event);
    else if (event.type == 'list_subscription') refused = onListSubscription(site, event);
    else if (event.type == 'session_metadata') refused = onSessionMetadata(site, event);
    if (refused) {
      plan.refused.push({ site, id: event.id, reason: refused });
      continue;
    }
    session.events++;
    if (event.type == 'page_view') session.page_views++;
    if (event.type == 'product_view') session.product_views++;
    session.first_seen = Math.min(session.first_seen, event.ts);
    if (event.ts >= session.last_seen) Object.assign(session, { last_seen: event.ts, last_url: event.url });
    plan.sessions.set(keyOf(site, event.session), session);
    noteChange(plan, site, 'sessions', event.session);
  }
}
