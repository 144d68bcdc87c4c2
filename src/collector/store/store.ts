/**
 * The storage interface of the collector. Ingest, the REST API and the inspector speak only to
 * this; `sqlite-store.ts` implements it, and a PostgreSQL store could replace it without
 * touching them. Every method is async for that reason, even where SQLite answers at once.
 */
import type { CampaignType, CartData, CartItem, Conversion, Customer, Metadata, WireEvent } from '../../protocol/types';

/** Counts of one stored beacon batch. */
export interface InsertResult {
  /** Newly stored events. */
  accepted: number;
  /** Events whose (site, id) was already stored. */
  duplicates: number;
}

export interface SessionRecord {
  site: string;
  id: string;
  visitor: string;
  email: string | null;
  first_seen: number;
  last_seen: number;
  page_views: number;
  events: number;
  last_url: string;
  metadata: Metadata;
}

export type OrderStatus = 'open' | 'cleared' | 'converted';

export interface OrderRecord {
  site: string;
  id: string;
  visitor: string | null;
  session: string | null;
  email: string | null;
  status: OrderStatus;
  cart_data: CartData;
  items: CartItem[];
  campaign_type: CampaignType | null;
  campaign_ids: string[];
  created_at: number;
  updated_at: number;
  converted_at: number | null;
  /** Who converted the order: the browser (`sendConversion`) or the REST API. */
  converted_by: 'beacon' | 'api' | null;
}

/** Customer profile fields; `metadata` holds any JSON (strings when it came from beacons). */
export type CustomerProfile = Omit<Customer, 'metadata'> & { metadata?: Record<string, unknown> };

export interface ListSubscriptionRecord {
  list_id: string;
  first_name: string | null;
  source: string | null;
  subscribed_at: number;
}

export interface CustomerRecord {
  site: string;
  id: string;
  email: string;
  profile: CustomerProfile;
  is_unsubscribed: boolean;
  unsubscribe_date: string | null;
  is_opted_in: boolean;
  opt_in_date: string | null;
  opt_in_info: Record<string, string>;
  /** Set by `customer/cancel/`: journeys stopped at this time. */
  journeys_cancelled_at: string | null;
  lists: ListSubscriptionRecord[];
  created_at: number;
  updated_at: number;
}

/** How a profile change applies: beacons merge metadata keys, the REST API replaces it whole. */
export interface ProfileChange {
  profile: CustomerProfile;
  replaceMetadata: boolean;
}

/** Keys of what a write changed, for the inspector's live view. */
export interface ChangeSet {
  site: string;
  sessions: string[];
  orders: string[];
  /** Customer emails. */
  customers: string[];
}

/** A streamed export of a site's events, oldest first. */
export interface EventExportStream {
  /** The cursor of the last event included (or the `after` given when there is none). */
  nextCursor: string;
  /** NDJSON lines (without newline), each an Event of PROTOCOL.md. */
  lines: AsyncIterable<string>;
}

/** A conversion applied through the REST API. */
export interface ApiConversion extends Conversion {
  /** `all`: every open order of the email (lead/convert); `latest`: the newest one (customer/convert). */
  scope: 'all' | 'latest';
}

export interface Store {
  /** Stores validated, normalized events; resolves only after they are durably committed. */
  insertBatch(site: string, events: WireEvent[]): Promise<InsertResult>;
  /** Converts open orders of `email`; records a new converted order when none is open and cart data is given. */
  convertOrders(site: string, email: string, conversion: ApiConversion): Promise<number>;
  getCustomer(site: string, idOrEmail: string): Promise<CustomerRecord | undefined>;
  /** Creates the customer of `email` or merges `change` into it. */
  upsertCustomer(site: string, email: string, change: ProfileChange): Promise<{ customer: CustomerRecord; created: boolean }>;
  /**
   * Updates the customer found by id or email; `email` may move it to a new address.
   * Resolves 'not_found', or 'email_taken' when another customer has the new address.
   */
  updateCustomer(
    site: string,
    idOrEmail: string,
    email: string,
    change: ProfileChange,
  ): Promise<CustomerRecord | 'not_found' | 'email_taken'>;
  /** Flags on the customer of `email` (created when missing: an unsubscribe must stick). */
  setCustomerFlags(
    site: string,
    email: string,
    flags: { unsubscribe?: string; optIn?: { date: string; info: Record<string, string> }; cancel?: string },
  ): Promise<CustomerRecord>;
  getSession(site: string, id: string): Promise<SessionRecord | undefined>;
  getOrder(site: string, id: string): Promise<OrderRecord | undefined>;
  /** The newest sessions, orders and customers, for the inspector's first paint. */
  recent(
    site: string | undefined,
    limit: number,
  ): Promise<{ sessions: SessionRecord[]; orders: OrderRecord[]; customers: CustomerRecord[] }>;
  /** Events of `site` that arrived after `after` (an arrival cursor), at most `limit`. */
  exportEvents(site: string, after: number, limit: number | undefined): Promise<EventExportStream>;
  /** Subscribes to change notifications after each commit; returns the unsubscribe function. */
  onChange(listener: (changes: ChangeSet[]) => void): () => void;
  close(): Promise<void>;
}
