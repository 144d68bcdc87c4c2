/**
 * The records the collector assembles from events and API calls, as the domain rules see them.
 * Every engine stores exactly these (plus the event log). Growing collections are rows of their
 * own, never arrays inside a record: an order's lines, metadata keys, list memberships and tags.
 * That keeps each write proportional to what the event or call brought, whatever is stored.
 */
import type { CampaignType, CartData, CartItem, Customer } from '../../protocol/types';

export type OrderStatus = 'open' | 'cleared' | 'converted';

/**
 * Customer profile fields kept in the record itself (metadata and tags are rows): the
 * protocol's customer fields, and those the customer platforms of seeds 001, 002 and 004 keep,
 * under one name each (README "Customer model"). `gender` is "m", "f" or the text given.
 */
export type ProfileFields = Omit<Customer, 'metadata' | 'tags' | 'gender'> & {
  gender?: string;
  company?: string;
  canonical_id?: string;
  shop_id?: string;
  street_name?: string;
  house_number?: string;
  house_number_addition?: string;
  vat_number?: string;
  /** ISO 8601 times (UTC), as given by a Custobar import (with the site's time zone where none was given). */
  date_joined?: string;
  last_login?: string;
  phone_access_code?: string;
  latitude?: string;
  longitude?: string;
  delivery_notes?: string;
};

/** The marketing permissions a customer gave or refused (CONTRACTS.md "Consent states"). */
export type ConsentChannel = 'email' | 'sms' | 'post' | 'push' | 'profiling';
export const CONSENT_CHANNELS: readonly ConsentChannel[] = ['email', 'sms', 'post', 'push', 'profiling'];
/** Who last set a permission. */
export type ConsentSource = 'beacon' | 'rejoiner' | 'custobar' | 'hubrise' | 'loyalty';
export interface ConsentRecord {
  state: 'granted' | 'refused';
  /** ISO 8601. */
  at: string;
  source: ConsentSource;
}
/**
 * A channel without a record is unknown. `opt_in_at` is when Rejoiner's `opt_in` last recorded
 * explicit consent (its `is_opted_in` and `opt_in_date`); the email channel says whether the
 * customer may be emailed now (an unsubscribe refuses it, a later opt-in grants it again).
 */
export interface Consent extends Partial<Record<ConsentChannel, ConsentRecord>> {
  opt_in_at?: string;
}

/**
 * Statistics from what was tracked, kept up to date on write (every conversion and loyalty
 * operation adds to them in its own transaction), so that reading a customer never sums a history.
 */
export interface CustomerStats {
  /** Converted orders. */
  orders: number;
  /** Their value in cents (cart_value). */
  spend: number;
  first_order_at: number | null;
  last_order_at: number | null;
  /** Loyalty points, in millionths (no float drift). */
  points_balance: number;
  points_earned: number;
  points_redeemed: number;
  last_points_earned_at: number | null;
  last_points_redeemed_at: number | null;
}

/** `deleted` (Custobar is_deleted) hides a customer for good; `forgotten` also erased its personal data. */
export type CustomerStatus = 'active' | 'deleted' | 'forgotten';

/** The customer list every source but HubRise writes to. */
export const DEFAULT_CONTAINER = 'default';

/** Cart totals of an order (its metadata keys are rows). */
export type CartFields = Omit<CartData, 'metadata'>;

/** What one batch adds to a session; the engine adds counts and widens the time span. */
/** A session's stored columns, as every reader of sessions sees them (lifecycle, store, dashboard). */
export interface StoredSession {
  site: string;
  id: string;
  visitor: string;
  email: string | null;
  first_seen: number;
  last_seen: number;
  page_views: number;
  product_views: number;
  events: number;
  last_url: string;
}

export interface SessionDelta {
  site: string;
  id: string;
  visitor: string;
  first_seen: number;
  last_seen: number;
  /** The URL of the latest event of the delta. */
  last_url: string;
  page_views: number;
  product_views: number;
  events: number;
  /** The email to record: from a customer_email event (replaces) or the visitor's (fills a gap). */
  email: string | null;
  email_replaces: boolean;
}

/** A visitor id of one site: the email it is known by, and profile data sent before it was. */
export interface VisitorRecord {
  site: string;
  id: string;
  email: string | null;
  /** customer_data seen before the email, merged; its metadata keys are rows of the visitor. */
  pending: (ProfileFields & { tags?: string[] }) | null;
}

export interface OrderHeader {
  site: string;
  id: string;
  visitor: string | null;
  session: string | null;
  email: string | null;
  status: OrderStatus;
  cart_data: CartFields;
  campaign_type: CampaignType | null;
  campaign_ids: string[];
  /** Time of the first event (the client's clock), or of the API call that made it. */
  created_at: number;
  /** Time of the newest event applied (the client's clock): "latest" means this. */
  updated_at: number;
  converted_at: number | null;
  /** Who converted the order: the browser (`sendConversion`) or the REST API. */
  converted_by: 'beacon' | 'api' | null;
  /** Lines present now. */
  item_count: number;
  /** Position the next new line gets (lines keep the position of their first add). */
  next_position: number;
  /** Seq of the last cart_data applied (retries arrive out of order). */
  cart_data_seq: number;
  /** Seq of the beacon conversion that closed the order: older cart events no longer apply. */
  closed_seq: number;
}

/** One line of an order, or the mark a removal leaves (item null) so that a stale add stays out. */
export interface ItemRow {
  site: string;
  order: string;
  product_id: string;
  /** Seq of the last line event applied; -1 for lines a conversion or the API wrote. */
  seq: number;
  position: number;
  item: CartItem | null;
}

export interface CustomerRow {
  site: string;
  id: string;
  /** The customer list (container) it belongs to: DEFAULT_CONTAINER, or a HubRise customer list. */
  container: string;
  email: string | null;
  /** Custobar's external_id: letters, digits and dashes, unique in a site. */
  external_id: string | null;
  /** HubRise's private_ref: unique in its container. */
  private_ref: string | null;
  profile: ProfileFields;
  consent: Consent;
  stats: CustomerStats;
  status: CustomerStatus;
  /** HubRise's anonymise: its field list is gone and later updates of those fields are ignored. */
  anonymised: boolean;
  /** Set by `customer/cancel/`: journeys stopped at this time. */
  journeys_cancelled_at: string | null;
  created_at: number;
  updated_at: number;
}

/** A customer's membership of a mailing list (a "contact" of the list in Rejoiner's API). */
export interface Membership {
  site: string;
  customer: string;
  list_id: string;
  first_name: string | null;
  source: string | null;
  subscribed_at: number;
  /** Fields the API gave with the contact besides email and first name, as strings; null keeps what it had. */
  custom_fields: Record<string, string> | null;
}

/** A mailing list of a site. Memberships link customers to it; removing one never removes a customer. */
export interface ListRecord {
  site: string;
  id: string;
  name: string;
  created_at: number;
  contact_count: number;
}

/** Tags a customer carries (`tag`), and the email topics it chose (`preference`). */
export type TagKind = 'tag' | 'preference';

/** Dates a merchant's backend adds to a tracked session (ISO 8601), `PUT sessions/{id}/`. */
export interface SessionAnnotation {
  site: string;
  id: string;
  payment_date?: string | null;
  fulfillment_date?: string | null;
  delivery_date?: string | null;
}

/** Whose metadata keys these are: an order's cart data, a session, a customer, a visitor's pending profile, an opt-in. */
export type MetadataOwnerKind = 'order' | 'session' | 'customer' | 'visitor' | 'opt_in';
