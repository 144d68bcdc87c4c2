/**
 * The storage interface of the collector. Ingest, the REST API and the dashboard speak only to
 * this; create-store.ts implements it once over an engine (SQLite or PostgreSQL).
 */
import type { CampaignType, CartData, CartItem, Conversion, WireEvent } from '../../protocol/types';
import type { CustomerFlags } from '../domain/api-commands';
import type { ProfilePatch } from '../domain/customer-rules';
import type { CustomerImport } from '../domain/customer-import';
import type { ConsentSource, CustomerRow, ListRecord, OrderStatus, ProfileFields, SessionAnnotation, StoredSession, TagKind } from '../domain/records';
import type { ErasureKind } from '../domain/erasure';
import type { LifecycleState } from '../domain/lifecycle';
import type { LifecycleStore } from './lifecycle-store';
import type { TagChange } from '../domain/tag-rules';
import type { DashboardReader } from './dashboard-reads';
import type { ContactRow, CustomerPageQuery, PageRequest, RecordReader, RowPage } from './engine';
import type { HubriseStore } from './hubrise/hubrise-store';

export type { ListRecord, TagKind } from '../domain/records';
export type { ContactRow, PageRequest, RowPage } from './engine';

export type { OrderStatus } from '../domain/records';

/** Counts of one stored beacon batch. */
export interface InsertResult {
  /** Newly stored events. */
  accepted: number;
  /** Events whose (site, id) was already stored. */
  duplicates: number;
  /** Events a rule refused (an order already holding 500 lines, say): not stored. */
  rejected: { id: string; reason: string }[];
}

/** A session as stored, without its metadata. */
export interface SessionRow extends StoredSession {
  /** Dates the merchant's backend annotated (ISO 8601), or null. */
  payment_date: string | null;
  fulfillment_date: string | null;
  delivery_date: string | null;
  /** Where the session is in its lifecycle (README "Abandonment"): active until decided, and again after a later event. */
  lifecycle: LifecycleState | 'active';
  /** When the detector decided it (server clock); null while it was never decided. */
  lifecycle_at: number | null;
}

export interface SessionRecord extends SessionRow {
  metadata: Record<string, string>;
}

export interface OrderRecord {
  site: string;
  id: string;
  visitor: string | null;
  session: string | null;
  email: string | null;
  status: OrderStatus;
  cart_data: CartData;
  /** The lines by position (in listings only the first few, cut to the fields a list shows). */
  items: CartItem[];
  item_count: number;
  campaign_type: CampaignType | null;
  campaign_ids: string[];
  created_at: number;
  updated_at: number;
  converted_at: number | null;
  /** Who converted the order: the browser (`sendConversion`) or the REST API. */
  converted_by: 'beacon' | 'api' | null;
}

/** Customer profile fields with tags and metadata; metadata holds any JSON (strings when it came from beacons). */
export type CustomerProfile = ProfileFields & { tags?: string[]; metadata?: Record<string, unknown> };

export interface ListSubscriptionRecord {
  list_id: string;
  first_name: string | null;
  source: string | null;
  subscribed_at: number;
}

/** A customer as every API reads it: the record, its tags, metadata, opt-in details and newest memberships. */
export interface CustomerRecord extends Omit<CustomerRow, 'profile'> {
  profile: CustomerProfile;
  /** The extra fields of the latest Rejoiner opt-in, as strings. */
  opt_in_info: Record<string, string>;
  lists: ListSubscriptionRecord[];
}

/** Keys of what a write changed, for the dashboard's live view. */
export interface ChangeSet {
  site: string;
  sessions: string[];
  orders: string[];
  /** Customer ids. */
  customers: string[];
}

/** A streamed export of a site's events, oldest first. */
export interface EventExportStream {
  /** The cursor after the last event included (or the `after` given when there is none). */
  nextCursor: string;
  /** NDJSON lines (without newline), each an Event of PROTOCOL.md. */
  lines: AsyncIterable<string>;
}

/** A conversion applied through the REST API. */
export interface ApiConversion extends Conversion {
  /**
   * `all`: every open order of the email (lead/convert); `latest`: the newest one
   * (customer/convert); `always`: the newest one, or a new converted order when none is open
   * (customer/always_convert).
   */
  scope: 'all' | 'latest' | 'always';
}

/** A refusal of a write, with the status the API answers. */
export interface Refusal {
  refused: string;
  status: 400 | 404 | 409;
}

export interface Store {
  /** Stores validated, normalized events; resolves only after they are durably committed. */
  insertBatch(site: string, events: WireEvent[]): Promise<InsertResult>;
  /**
   * Converts open orders of `email`; records a new converted order when none is open and cart
   * data is given. Resolves how many open orders converted, or a reason for a 400.
   */
  convertOrders(site: string, email: string, conversion: ApiConversion): Promise<number | { refused: string }>;
  getCustomer(site: string, idOrEmail: string): Promise<CustomerRecord | undefined>;
  /** Creates the customer of `email` or merges `patch` into it (tags and metadata replaced whole). */
  /** 'deleted': the email's customer was deleted for good (Custobar `is_deleted`); nothing is written. */
  upsertCustomer(site: string, email: string, patch: ProfilePatch): Promise<{ customer: CustomerRecord; created: boolean } | 'deleted'>;
  /**
   * Updates the customer found by id or email; `email` may move it to a new address.
   * Resolves 'not_found', or 'email_taken' when another customer has the new address.
   */
  updateCustomer(site: string, idOrEmail: string, email: string, patch: ProfilePatch): Promise<CustomerRecord | 'not_found' | 'email_taken'>;
  /** Flags on the customer of `email` (created when missing: an unsubscribe must stick). */
  setCustomerFlags(site: string, email: string, flags: CustomerFlags): Promise<CustomerRecord>;
  getCustomerByPhone(site: string, phone: string): Promise<CustomerRecord | undefined>;
  /**
   * Erases a customer's personal data everywhere the collector keeps it (domain/erasure.ts),
   * and from the database's files, before it resolves. Irreversible; audited without the data.
   */
  eraseCustomer(site: string, id: string, kind: ErasureKind, source: string): Promise<CustomerRecord | 'not_found'>;
  /**
   * Imports one customer record of a platform that identifies customers by external id, email
   * or phone (customer-import.ts), in a transaction of its own; a forgotten record is then erased.
   */
  importCustomer(site: string, record: CustomerImport, source: ConsentSource): Promise<ImportResult>;
  /** The stored customer row of an id (any status), without what belongs to it. */
  customerRow(site: string, id: string): Promise<CustomerRow | undefined>;
  /** A page of a customer list's active customers (engine.ts CustomerPageQuery). */
  pageCustomerRows(site: string, query: CustomerPageQuery): Promise<CustomerRow[]>;
  /** The mailing lists of a customer, by id after `afterListId`. */
  listsOfCustomer(site: string, customer: string, afterListId: string | null, limit: number): Promise<{ id: string; name: string }[]>;
  /** A customer's tags of one kind; undefined when there is no such customer. */
  getTags(site: string, idOrEmail: string, kind: TagKind): Promise<string[] | undefined>;
  /** Replaces, adds or removes tags of one kind; creates the customer of an email when `create`. */
  changeTags(
    site: string,
    idOrEmail: string,
    kind: TagKind,
    change: TagChange,
    tags: string[],
    create: boolean,
  ): Promise<string[] | 'not_found' | { refused: string }>;
  getList(site: string, id: string): Promise<ListRecord | undefined>;
  listLists(site: string, page: PageRequest): Promise<RowPage<ListRecord>>;
  createList(site: string, name: string): Promise<ListRecord | { refused: string }>;
  /** A list's contacts; undefined when there is no such list. */
  listContacts(site: string, listId: string, page: PageRequest): Promise<RowPage<ContactRow> | undefined>;
  /** Adds (or updates) the contact `email`; `createMissingList` makes an unknown list (REST 1.0). */
  addContact(
    site: string,
    listId: string,
    contact: { email: string; firstName: string | null; customFields: Record<string, string> },
    createMissingList: boolean,
  ): Promise<{ created: boolean; contact: ContactRow } | Refusal>;
  /** Removes the contact `email` of the list: whether it was one, or 'no_list'. */
  removeContact(site: string, listId: string, email: string): Promise<boolean | 'no_list'>;
  /** Sets a tracked session's dates and merges metadata into it. */
  annotateSession(
    site: string,
    id: string,
    annotation: Omit<SessionAnnotation, 'site' | 'id'>,
    metadata: Record<string, string> | undefined,
  ): Promise<SessionRecord | 'not_found' | { refused: string }>;
  getSession(site: string, id: string): Promise<SessionRecord | undefined>;
  /** One order; `listed` gives it as listings show it (its first lines, cut short). */
  getOrder(site: string, id: string, listed?: boolean): Promise<OrderRecord | undefined>;
  /** The newest sessions, orders and customers, for the dashboard's first paint. */
  recent(site: string | undefined, limit: number): Promise<{ sessions: SessionRecord[]; orders: OrderRecord[]; customers: CustomerRecord[] }>;
  /** The merchant dashboard's reads (dashboard-reads.ts), with an order's lines by position. */
  readonly dashboard: DashboardReader & Pick<RecordReader, 'items'>;
  /** Events of `site` after the opaque cursor `after`, at most `limit`. */
  exportEvents(site: string, after: string | undefined, limit: number | undefined): Promise<EventExportStream>;
  /** Whether `cursor` could have come from this store's X-Next-Cursor. */
  isCursor(cursor: string): boolean;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /** HubRise's customer lists, their customers, loyalty cards and operations (seed 004). */
  readonly hubrise: HubriseStore;
  /** Abandonment detection, conversions and the webhook outbox (lifecycle-store.ts). */
  readonly lifecycle: LifecycleStore;
  /** Subscribes to change notifications after each commit; returns the unsubscribe function. */
  onChange(listener: (changes: ChangeSet[]) => void): () => void;
  close(): Promise<void>;
}

/** What an import did to its record: `id` is null when nothing was stored (a forget of no one). */
export type ImportResult = { id: string | null; status: 'created' | 'updated' | 'deleted' | 'forgotten' } | { refused: string };
