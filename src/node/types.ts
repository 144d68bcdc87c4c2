/**
 * Types of the REST API (seed 003 lead/convert, seed 000 customer endpoints) as the collector
 * serves them and the server client sends and receives them.
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

/** Body of `POST /api/v1/{site}/customer/convert/` (seed 000). */
export interface CustomerConvertInput {
  email: string;
  cart_data?: CartDataInput;
  cart_items?: CartItemInput[];
}

/** Answer of `customer/convert/`: how many open orders were converted (0 records a new one). */
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

/** One page of `GET /api/v1/{site}/events/`. */
export interface ExportOptions {
  /** Only events that arrived after this cursor (from a previous export's `nextCursor`). */
  after?: string;
  /** At most this many events. */
  limit?: number;
}
