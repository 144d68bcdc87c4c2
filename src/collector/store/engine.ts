/**
 * What a storage engine provides: transactions over a small record interface, row-level reads,
 * and the event export. The domain rules (src/collector/domain) and the store built on them
 * (create-store.ts) are written once against this; SQLite and PostgreSQL each implement it in
 * plain SQL of their own dialect.
 */
import type { RecordsToLoad, SiteEvent } from '../domain/assemble-events';
import type { PersonRecords } from '../domain/erasure';
import type { CustomerRow, ItemRow, ListRecord, Membership, OrderHeader, TagKind, VisitorRecord } from '../domain/records';
import type { WritePlan } from '../domain/write-plan';
import type { IdleSession, LifecycleState } from '../domain/lifecycle';
import type { DeliveryState, WebhookDelivery } from '../domain/webhook-events';
import type { DashboardReader } from './dashboard-reads';
import type { HubriseReader, HubriseTx } from './hubrise/hubrise-engine';
import type { EventExportStream, SessionRow } from './store';

/** What a beacon transaction stores and reads before the rules run. */
export interface BatchRequest extends RecordsToLoad {
  events: SiteEvent[];
  receivedAt: number;
  /** The lock names the transaction holds. */
  locks: ReadonlySet<string>;
}

/** The new events and the records they need, or the customer locks another transaction holds. */
export type BatchPreparation =
  | {
      fresh: SiteEvent[];
      visitors: VisitorRecord[];
      orders: OrderHeader[];
      items: ItemRow[];
      customers: CustomerRow[];
      metadataKeys: [site: string, owner: string, key: string][];
      lists: ListRecord[];
      /** Lists of each site for which a list named in the request does not exist yet. */
      listCounts: [site: string, count: number][];
    }
  | { conflict: string[] };

/** Which page of a listing: after a cursor this listing gave (cheap), or skipping rows (costs them). */
export interface PageRequest {
  cursor?: string;
  offset?: number;
  limit: number;
}

/** A page of a listing and the cursor of the next one (null on the last page). */
export interface RowPage<T> {
  rows: T[];
  next: string | null;
}

/** A stored event as erasure reads it; `ref` is the engine's own row reference. */
export interface StoredEventRow {
  ref: string;
  type: string;
  url: string;
  data: unknown;
}

/** A list's contact as a listing shows it. */
export interface ContactRow extends Membership {
  email: string;
}

/** A write transaction. Everything it reads is read under the locks it holds. */
export interface RecordTx {
  /**
   * Stores the events not stored yet (dedupe by site and id) and reads what `request` names,
   * plus the customers of the loaded visitors' emails (trying their locks: when another
   * transaction holds one, resolves the conflict instead) and the metadata keys of every
   * customer read. One step, so that an engine may do it in one round trip.
   */
  prepareBatch(request: BatchRequest): Promise<BatchPreparation>;
  /**
   * Takes more record locks without waiting; false when another transaction holds one (the
   * caller then restarts with them taken first, in order). SQLite has one writer: always true.
   */
  tryLock(keys: string[]): Promise<boolean>;
  /** Takes more record locks, waiting for them (the engine resolves a deadlock by retrying). */
  lock(keys: string[]): Promise<void>;
  /** Stores the events not stored yet (dedupe by site and id); resolves those, in the given order. */
  insertEvents(events: SiteEvent[], receivedAt: number): Promise<SiteEvent[]>;
  visitors(keys: [site: string, id: string][]): Promise<VisitorRecord[]>;
  orders(keys: [site: string, id: string][]): Promise<OrderHeader[]>;
  items(keys: [site: string, order: string, productId: string][]): Promise<ItemRow[]>;
  customersByEmail(keys: [site: string, email: string][]): Promise<CustomerRow[]>;
  customerById(site: string, id: string): Promise<CustomerRow | undefined>;
  customerByExternalId(site: string, externalId: string): Promise<CustomerRow | undefined>;
  /** Customers of the default list with this phone key, oldest first, at most `limit`. */
  customersByPhone(site: string, phoneKey: string, limit: number): Promise<CustomerRow[]>;
  /** A customer's list memberships, at most `limit`. */
  customerMemberships(site: string, customer: string, limit: number): Promise<Membership[]>;
  /** Converted orders of visitors that have no email yet, at most `limit` per visitor, newest first. */
  convertedUnlinkedOrders(keys: [site: string, visitor: string][], limit: number): Promise<OrderHeader[]>;
  /** Open orders of an email, latest (by the shopper's clock) first. */
  openOrders(site: string, email: string): Promise<OrderHeader[]>;
  /** The metadata keys each owner holds now. */
  metadataKeys(owners: [site: string, owner: string][]): Promise<[site: string, owner: string, key: string][]>;
  lists(keys: [site: string, id: string][]): Promise<ListRecord[]>;
  /** How many lists the site has. */
  listCount(site: string): Promise<number>;
  memberships(keys: [site: string, customer: string, listId: string][]): Promise<Membership[]>;
  tags(site: string, customer: string, kind: TagKind): Promise<string[]>;
  sessionExists(site: string, id: string): Promise<boolean>;
  /** What of a person the records hold: visitors, sessions and orders of its email, its memberships, their metadata and lines. */
  personRecords(site: string, email: string | null, customerId: string): Promise<PersonRecords>;
  /** A page of the stored events of a visitor, or naming an email, after the opaque `after`. */
  eventsOfPerson(site: string, by: { visitor: string } | { email: string }, after: string | null, limit: number): Promise<StoredEventRow[]>;
  /** Rewrites stored events (their email column is cleared too). */
  rewriteEvents(site: string, rows: { ref: string; url: string; data: unknown }[]): Promise<void>;
  /** Writes the plan, in the order WritePlan declares its parts. */
  apply(plan: WritePlan, writtenAt: number): Promise<void>;
  /** HubRise's customer lists, loyalty cards and operations (hubrise/hubrise-engine.ts). */
  readonly hubrise: HubriseTx;
  /** The lifecycle and the webhook outbox, in this same transaction. */
  readonly automation: AutomationTx;
}

/** A decided abandonment: the session, what it became and when, its order and email. */
export interface Abandonment {
  site: string;
  session: string;
  state: LifecycleState;
  /** When the detector decided it (server clock). */
  at: number;
  order: string | null;
  email: string | null;
  first_seen: number;
}

/** Whether a delivery is still in the outbox (an erasure deletes it), and what its suppression rules look at. */
export interface DeliveryFacts {
  exists: boolean;
  /** When the delivery's session began (null: no session, or not stored). */
  sessionFirstSeen: number | null;
  /** The delivery's order, as far as suppression looks at it. */
  order: Pick<OrderHeader, 'status'> | undefined;
  /** The default list's customer of the delivery's email, as far as suppression looks at it. */
  customer: Pick<CustomerRow, 'status' | 'consent' | 'journeys_cancelled_at'> | undefined;
}

/** A change of a delivery after an attempt (or a suppression, or a retry from the dashboard). */
export interface DeliveryChange {
  state: DeliveryState;
  next_at: number;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
}

/** A conversion once looked at: the abandoned session it recovered (null: none), and whether the shopper clicked back. */
export interface ConversionNote {
  site: string;
  id: string;
  recovered_session: string | null;
  click_back: boolean;
}

/**
 * SQL (both engines) for the `last_error` of a delivery that was suppressed while an attempt that
 * the receiver then acknowledged was in flight: the suppression's reason stays readable.
 */
export const SUPPRESSED_IN_FLIGHT = `'suppressed (' || coalesce(last_error, 'no reason') || ') while this attempt was in flight; the receiver acknowledged it'`;

/**
 * The lifecycle and the outbox inside a write transaction. Every "claim" locks what it returns
 * for the transaction and skips rows another transaction holds (PostgreSQL `FOR UPDATE SKIP
 * LOCKED`; SQLite has one writer), so that nodes sharing a database never take the same row.
 */
export interface AutomationTx {
  /** Sessions of `site` not decided since their last event and last written before `cutoff`, oldest first. */
  claimIdleSessions(site: string, cutoff: number, limit: number): Promise<IdleSession[]>;
  /** The newest order (by the shopper's clock) each of these sessions wrote to. */
  latestOrders(site: string, sessions: string[]): Promise<OrderHeader[]>;
  /** The lines of these orders (each by position, at most `limit` of each), in one read for the whole batch. */
  orderItems(site: string, orders: string[], limit: number): Promise<ItemRow[]>;
  /** Records decisions: `events` is the session's event count they were made at. */
  decideSessions(site: string, decisions: { id: string; state: LifecycleState; events: number; order: string | null }[], at: number): Promise<void>;
  /** Converted orders whose conversion no webhook has looked at yet, oldest write first. */
  claimConversions(limit: number): Promise<OrderHeader[]>;
  /** Marks conversions looked at, with what the order_converted webhook says of each (the dashboard reads the same). */
  noteConversions(notes: ConversionNote[], at: number): Promise<void>;
  /** The newest abandonment of `order`, or else of `email`, decided between `from` and `to`. */
  abandonmentOf(site: string, order: string, email: string | null, from: number, to: number): Promise<Abandonment | undefined>;
  /** Marks a decided abandonment recovered (unless events made the session active again). */
  markRecovered(site: string, session: string, at: number): Promise<void>;
  /** Whether a click-back of `email` arrived (server clock) within [from, to]. */
  clickedBetween(site: string, email: string, from: number, to: number): Promise<boolean>;
  /** Suppresses the pending abandonment deliveries of a session; resolves every abandonment delivery of it. */
  suppressAbandonment(site: string, session: string, reason: string, at: number): Promise<{ id: string; state: DeliveryState }[]>;
  enqueue(deliveries: WebhookDelivery[]): Promise<void>;
  /** Pending deliveries due at `now`, given to this node until `leaseUntil` (their attempt counted). */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<WebhookDelivery[]>;
  /**
   * Records the outcome of attempt `attempts`; ignored when another node has tried since, or when
   * the delivery is gone (erased). An acknowledged attempt is recorded `delivered` even when the
   * delivery was suppressed while it was in flight: the receiver has it.
   */
  finishDelivery(id: string, attempts: number, change: DeliveryChange, at: number): Promise<void>;
  /** A site's deliveries (all sites without one), newest first, before the (created_at, id) given. */
  deliveries(site: string | undefined, limit: number, before?: [createdAt: number, id: string], state?: DeliveryState): Promise<WebhookDelivery[]>;
  delivery(id: string): Promise<WebhookDelivery | undefined>;
  /** Makes a dead (or suppressed) delivery pending again, due at `now`, until `deadline`; false when it is not one. */
  retryDelivery(id: string, now: number, deadline: number): Promise<boolean>;
  /**
   * Erasure: deletes every delivery about a person, whatever its state (pending, delivered, dead,
   * suppressed): those naming its email and those of its sessions and orders. Those sessions and
   * orders are locked first, so that a detection or a conversion running at the same moment either
   * committed before (its deliveries are deleted here) or skips them and later finds no email.
   * Resolves how many were deleted.
   */
  eraseDeliveries(site: string, person: { email: string | null; sessions: string[]; orders: string[] }): Promise<number>;
}

/** A page of a customer list's active customers, in the order of `sort` after the key `after`. */
export interface CustomerPageQuery {
  container: string;
  sort: 'created' | 'updated';
  /** The (time, id) of the last customer of the previous page. */
  after?: [at: number, id: string];
  limit: number;
  /** Only the customer of this email, or those of this phone key. */
  email?: string;
  phoneKey?: string;
}

/** Reads outside transactions: each sees only committed data. */
export interface RecordReader extends DashboardReader {
  session(site: string, id: string): Promise<SessionRow | undefined>;
  order(site: string, id: string): Promise<OrderHeader | undefined>;
  /** The order's lines by position, at most `limit`. */
  items(site: string, order: string, limit: number): Promise<ItemRow[]>;
  customerByEmail(site: string, email: string): Promise<CustomerRow | undefined>;
  customerById(site: string, id: string): Promise<CustomerRow | undefined>;
  /** What is read just before a delivery's attempt, in one query (one round trip per attempt). */
  deliveryFacts(delivery: Pick<WebhookDelivery, 'id' | 'site' | 'session' | 'order_id' | 'email'>): Promise<DeliveryFacts>;
  tags(site: string, customer: string, kind: TagKind): Promise<string[]>;
  customerByPhone(site: string, phoneKey: string): Promise<CustomerRow | undefined>;
  list(site: string, id: string): Promise<ListRecord | undefined>;
  /** A site's lists in the order they were made. */
  pageLists(site: string, page: PageRequest): Promise<RowPage<ListRecord>>;
  /** A list's contacts in the order they joined. */
  pageContacts(site: string, listId: string, page: PageRequest): Promise<RowPage<ContactRow>>;
  pageCustomers(site: string, query: CustomerPageQuery): Promise<CustomerRow[]>;
  /** The mailing lists a customer belongs to, by list id after `afterListId`, at most `limit`. */
  listsOfCustomer(site: string, customer: string, afterListId: string | null, limit: number): Promise<{ id: string; name: string }[]>;
  /** The customer's newest list memberships, at most `limit`. */
  memberships(site: string, customer: string, limit: number): Promise<Membership[]>;
  /** An owner's metadata: key → JSON text. */
  metadata(site: string, owner: string): Promise<[key: string, json: string][]>;
  /** Ids of the records written last (any site when `site` is undefined), newest first. */
  recent(kind: 'sessions' | 'orders' | 'customers', site: string | undefined, limit: number): Promise<[site: string, id: string][]>;
}

export interface Engine {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Runs `work` in one transaction with `locks` taken first (in a fixed order), and resolves
   * after the commit is durable. Throws StoreUnavailableError when the database is busy or gone.
   */
  transaction<T>(locks: string[], work: (tx: RecordTx) => Promise<T>): Promise<T>;
  readonly reads: RecordReader;
  /** Reads of HubRise's customer lists, loyalty cards and operations (hubrise/hubrise-engine.ts). */
  readonly hubriseReads: HubriseReader;
  /** Events of `site` after the opaque cursor `after` (from the start without one), at most `limit`. */
  exportEvents(site: string, after: string | undefined, limit: number | undefined): Promise<EventExportStream>;
  /**
   * After an erasure's commit: make the erased values unreadable in the database's files too
   * (SQLite rewrites its write-ahead log; PostgreSQL's queries return no old row versions).
   */
  afterErasure(): Promise<void>;
  /** Whether `cursor` is one this engine could have given. */
  isCursor(cursor: string): boolean;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The database is busy (locked by another process), unreachable or failing: try again later. */
export class StoreUnavailableError extends Error {
  constructor(
    message: string,
    /** Seconds a client should wait before retrying. */
    readonly retryAfterSeconds = 2,
  ) {
    super(message);
  }
}

/**
 * The database ended the transaction to resolve a conflict with another one (a deadlock, a
 * serialization failure): run it again from the start, with every lock it needed taken first.
 */
export class TransactionConflictError extends Error {}
