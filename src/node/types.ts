/**
 * Types of both REST generations (REJOINER-API.md: REST 1.0 under `/api/1.0/site/{site}/`,
 * Rejoiner2 under `/api/v1/{site}/` and `/api/v2/{site}/`) as the collector serves them and the
 * server client sends and receives them, and the client's options.
 */
import type { CampaignType, CartData, CartItem, Customer } from '../protocol/types';

/** Loose cart input: the collector normalizes it exactly like a `sendConversion` payload. */
export type CartDataInput = CartData & Record<string, unknown>;
export type CartItemInput = Omit<CartItem, 'category'> & { category?: string | string[] } & Record<string, unknown>;

/** Body of `POST /api/1.0/site/{site}/lead/convert` (seed 003). */
export interface LeadConvertInput {
  email: string;
  /** One campaign id or a list of them: only those campaigns are converted. */
  campaign_id?: string | string[];
  campaign_type?: CampaignType;
  cart_data?: CartDataInput;
  cart_items?: CartItemInput[];
}

/** Body of `POST customer/convert/` and `POST customer/always_convert/` (seed 000). */
export interface CustomerConvertInput {
  email: string;
  cart_data?: CartDataInput;
  cart_items?: CartItemInput[];
}

/**
 * Answer of `customer/convert/` and `customer/always_convert/`: how many open orders were
 * converted (0 records a new one when cart data was given, or always for `always_convert`).
 */
export interface CustomerConvertResult {
  converted: number;
}

/**
 * Profile fields of `POST customers/` and `PUT customers/{id}/` (seed 000): the protocol's
 * customer fields, `email` required, and `metadata` any JSON object that replaces the stored
 * one whole on update.
 */
export type CustomerFields = Omit<Customer, 'metadata'> & { email: string; metadata?: Record<string, unknown> };

/** A customer as the API returns it: the shape of seed 000's example response. */
export interface CustomerJson {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  phone: string;
  timezone: string;
  age: number | null;
  gender: string;
  language: string;
  address1: string;
  address2: string;
  address3: string;
  city: string;
  state: string;
  postal_code: string;
  country: string;
  birthdate: string | null;
  tags: string[];
  is_unsubscribed: boolean;
  unsubscribe_date: string | null;
  is_opted_in: boolean;
  opt_in_date: string | null;
  opt_in_info: Record<string, string>;
  metadata: Record<string, unknown>;
  /** Whether `customer/cancel/` stopped the customer's journeys, and when (ISO 8601). */
  journeys_cancelled: boolean;
  journeys_cancelled_at: string | null;
}

/** Query of `GET events/` (the collector's export, on both Rejoiner2 bases). */
export interface ExportOptions {
  /** Only events that arrived after this cursor (from a previous export's `nextCursor`). */
  after?: string;
  /** At most this many events. */
  limit?: number;
}

/** Extra fields kept with a consent record or a list contact: the collector stores them as strings. */
export type ExtraFields = Record<string, string | number | boolean>;

/** Body of REST 1.0 `POST lead/opt_in`: the email and any extra fields, kept as strings. */
export type LeadOptInInput = { email: string } & ExtraFields;

/**
 * Body of REST 1.0 `POST contact_add`. A `list_id` the site does not have yet creates that list
 * (named after the id). Fields besides `email`, `list_id` and `first_name` are kept as the
 * contact's `custom_fields` (strings).
 */
export type ContactAddInput = { email: string; list_id: string; first_name?: string } & ExtraFields;

/** Answer of Rejoiner2 `GET ping/`: the credentials work. */
export interface PingResult {
  status: 'success';
}

/** Rejoiner's paged listing: `count` rows in the whole listing, links to the pages around this one. */
export interface Page<T> {
  count: number;
  /** The next page (it carries a `cursor`: following it never skips or repeats a row), or null on the last. */
  next: string | null;
  previous: string | null;
  results: T[];
}

/** Which page of a listing to read. */
export interface PageOptions {
  /** The page number, from 1 (without `next`, the rows before it are skipped on the server). @default 1 */
  page?: number;
  /** Rows per page, 1 to 500. @default 100 (the collector's default) */
  pageSize?: number;
  /**
   * The `next` (or `previous`) link of a page read before: its `page`, `page_size` and `cursor`
   * are asked of this client's own base URL, so `page` and `pageSize` are ignored. @default none
   */
  next?: string;
}

/** Rows per page when iterating over a whole listing. */
export interface IterateOptions {
  /** Rows per request, 1 to 500. @default 100 (the collector's default) */
  pageSize?: number;
}

/** A mailing list as `GET lists` (REST 1.0), `GET lists/` and `POST lists/` (Rejoiner2) answer it. */
export interface MailingList {
  id: string;
  name: string;
  /** ISO 8601. */
  created_at: string;
  contact_count: number;
}

/** Body of Rejoiner2 `POST lists/{id}/contacts/`: other fields are kept as `custom_fields` (strings). */
export type ListContactInput = { email: string; first_name?: string } & ExtraFields;

/** A contact of a list, as `GET lists/{id}/contacts/` lists it and `POST lists/{id}/contacts/` answers it. */
export interface ListContact {
  /** The customer's id (as in `customers/{id}/`). */
  id: string;
  email: string;
  /** "" when none was given. */
  first_name: string;
  custom_fields: Record<string, string>;
  /** How the contact joined: "api", or the source `subscribeToList` gave. */
  source: string | null;
  /** ISO 8601. */
  added_at: string;
}

/** What `POST lists/{id}/contacts/` answered: 201 (`created`) for a new contact, 200 when it was there already. */
export interface AddedListContact {
  created: boolean;
  contact: ListContact;
}

/** Answer of `GET`, `PUT` and `PATCH customers/{id}/tags/` (and `PATCH …/tags/remove/`). */
export interface TagsJson {
  tags: string[];
}

/** Answer of the `customers/preference_tags/…/by_email/` endpoints. */
export interface PreferenceTagsJson {
  preference_tags: string[];
}

/** Options of replacing or adding tags (`PUT` and `PATCH customers/{id}/tags/`). */
export interface TagOptions {
  /**
   * Whether Rejoiner should start the journeys the tags trigger. Sent as `start_journey` only
   * when given; the collector accepts it and keeps no journeys. @default not sent
   */
  startJourney?: boolean;
}

/**
 * Body of Rejoiner2 `PUT sessions/{id}/`: dates in ISO 8601 (a date or a date and time; null
 * clears one), and metadata merged key by key (values kept as strings).
 */
export interface SessionAnnotationInput {
  payment_date?: string | null;
  fulfillment_date?: string | null;
  delivery_date?: string | null;
  metadata?: ExtraFields;
}

/** A tracked session as `PUT sessions/{id}/` answers it. */
export interface SessionJson {
  /** The session id the snippet sent. */
  id: string;
  visitor: string;
  email: string | null;
  /** ISO 8601: the session's first and latest event (the shopper's clock). */
  first_seen: string;
  last_seen: string;
  page_views: number;
  product_views: number;
  events: number;
  last_url: string;
  payment_date: string | null;
  fulfillment_date: string | null;
  delivery_date: string | null;
  metadata: Record<string, string>;
}

/** Body of `POST journeys/{id}/webhook_trigger/` and `…/nodes/{nid}/webhook_event_wait/`. */
export interface JourneyWebhookInput {
  email: string;
  customer_data?: Record<string, unknown>;
  session_data?: Record<string, unknown>;
}

/**
 * The API generation a client speaks (REJOINER-API.md "The two generations"): REST 1.0
 * (`/api/1.0/site/{site}/`, signed requests only) or Rejoiner2 (`/api/v1/{site}/`,
 * `/api/v2/{site}/`, signed or bearer).
 */
export type RejoinerApi = 'rest1' | 'v1' | 'v2';

/** HMAC-SHA1 signed requests (seed 003): accepted on every base. */
export interface SignedAuth {
  /** The site's API key (public half: it travels in every request). */
  key: string;
  /** The site's API secret: never sent, only used to sign. */
  secret: string;
}

/**
 * Rejoiner2's bearer credential, sent as `Authorization: Rejoiner TOKEN` (the site's `token`
 * in the collector's sites file). Only the Rejoiner2 bases accept it: use it over TLS only.
 */
export interface BearerAuth {
  token: string;
}

export type RejoinerAuth = SignedAuth | BearerAuth;

interface ClientOptionsBase {
  /** Where the API lives, e.g. "https://collector.example.com" (a path prefix is kept: "https://shop.example/rejoiner/"). */
  baseUrl: string;
  siteId: string;
  /**
   * The generation the client speaks: a method of another generation rejects with
   * `RejoinerUnsupportedError` before sending anything. @default 'v2' ('v1' together with REST 1.0
   * for the deprecated top-level `key`/`secret` without `api`, as earlier versions did)
   */
  api?: RejoinerApi;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * Options of `createRejoinerClient`: `auth` is the signing pair or the bearer token. The
 * top-level `key` and `secret` of earlier versions still work (deprecated): without `api`, such
 * a client keeps reaching both generations as before (REST 1.0 methods on `/api/1.0`, the rest
 * on `/api/v1`).
 */
export type RejoinerClientOptions = ClientOptionsBase &
  (
    | { auth: RejoinerAuth; key?: never; secret?: never }
    | {
        auth?: never;
        /** @deprecated use `auth: { key, secret }` */
        key: string;
        /** @deprecated use `auth: { key, secret }` */
        secret: string;
      }
  );
