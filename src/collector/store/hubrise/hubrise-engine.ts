/**
 * What an engine provides for the HubRise customer API (seed 004) besides its RecordTx and
 * RecordReader: customer lists, loyalty cards and operations, the candidates of customer
 * searches, and the purge of deleted lists. SQLite and PostgreSQL implement it in their own
 * SQL (sqlite-hubrise.ts, postgres-hubrise.ts); hubrise-store.ts is written once over it.
 * Customers themselves are the one customer table's rows, written through the WritePlan.
 */
import type { CustomerListRow } from '../../domain/customer-lists';
import type { CustomerCandidate, CustomerSource } from '../../domain/customer-search';
import type { LoyaltyCardRow, LoyaltyOperationRow } from '../../domain/loyalty';
import type { CustomerRow } from '../../domain/records';

/** A place in a customer search's order: the value of its source (emails, phones) and the creation key. */
export interface SourceCursor {
  value: string | null;
  key: number;
}

/** Where a card listing reads its candidates, in creation order. */
export type CardSource = { by: 'all' } | { by: 'customer' | 'ref' | 'name'; value: string };

/** Reads outside transactions (each sees what is committed). Lists that are deleted are never returned. */
export interface HubriseReader {
  customerList(site: string, id: string): Promise<CustomerListRow | undefined>;
  /** Live lists in creation order after `after`, of the given scopes (every scope when null). */
  pageCustomerLists(site: string, scopes: string[] | null, after: number, limit: number): Promise<CustomerListRow[]>;
  /** Deleted lists whose records are still being purged, any site. */
  deletedCustomerLists(limit: number): Promise<{ site: string; id: string }[]>;
  /** At most `limit` candidates of a customer search, in the source's order, after `after`. */
  customerCandidates(site: string, container: string, source: CustomerSource, after: SourceCursor | null, limit: number): Promise<CustomerCandidate[]>;
  /** Customers by id (any order; missing ones left out). */
  customers(site: string, ids: string[]): Promise<CustomerRow[]>;
  /** Customers of the default container by email (missing ones left out). */
  defaultCustomersByEmail(site: string, emails: string[]): Promise<CustomerRow[]>;
  /** Metadata rows of several owners: [owner, key, JSON]. */
  metadataOf(site: string, owners: string[]): Promise<[owner: string, key: string, json: string][]>;
  loyaltyCard(site: string, id: string): Promise<LoyaltyCardRow | undefined>;
  /** The first `limit` cards of each customer, in creation order. */
  cardsOfCustomers(site: string, customers: string[], limit: number): Promise<LoyaltyCardRow[]>;
  /** At most `limit` cards of a list from `source`, in creation order after `after`. */
  cardCandidates(site: string, list: string, source: CardSource, after: number, limit: number): Promise<LoyaltyCardRow[]>;
  loyaltyOperation(site: string, id: string): Promise<LoyaltyOperationRow | undefined>;
  /** A card's operations, newest first, before `before` (from the newest when null). */
  operationsBefore(site: string, card: string, before: number | null, limit: number): Promise<LoyaltyOperationRow[]>;
}

/** Row access inside a write transaction (RecordTx.hubrise). */
export interface HubriseTx {
  /**
   * Holds the list in shared mode until the transaction ends: deleting it takes it exclusively,
   * so a write to its records either commits before the deletion or sees the list deleted.
   * SQLite has one writer: nothing to do.
   */
  lockListShared(site: string, list: string): Promise<void>;
  customerList(site: string, id: string): Promise<CustomerListRow | undefined>;
  /** Live lists of the site with this name. */
  liveListsNamed(site: string, name: string): Promise<CustomerListRow[]>;
  liveListCount(site: string): Promise<number>;
  /** Inserts a list; false when the site already has one with that id (deleted or not). */
  insertCustomerList(row: Omit<CustomerListRow, 'seq' | 'deleted_at'>): Promise<boolean>;
  renameCustomerList(site: string, id: string, name: string): Promise<void>;
  markCustomerListDeleted(site: string, id: string, at: number): Promise<void>;
  customerByPrivateRef(site: string, container: string, ref: string): Promise<CustomerRow | undefined>;
  /** Whether the site has an order with this id, or with this order_number. */
  orderExists(site: string, idOrNumber: string): Promise<boolean>;
  loyaltyCard(site: string, id: string): Promise<LoyaltyCardRow | undefined>;
  /** The customer's card with this ref (null: its card without a ref). */
  cardOfCustomer(site: string, customer: string, ref: string | null): Promise<LoyaltyCardRow | undefined>;
  /** Inserts a card; false when the site has one with that id. */
  insertLoyaltyCard(row: Omit<LoyaltyCardRow, 'seq'>): Promise<boolean>;
  updateLoyaltyCard(site: string, id: string, name: string | null, ref: string | null): Promise<void>;
  setCardBalance(site: string, id: string, balance: number): Promise<void>;
  /** Inserts an operation; false when the site has one with that id. */
  insertLoyaltyOperation(row: Omit<LoyaltyOperationRow, 'seq'>): Promise<boolean>;
  /**
   * Deletes at most about `limit` records of a deleted list (operations, then cards, then
   * customers with their metadata and tags), and the list's row once nothing is left.
   * Resolves true when the list is gone.
   */
  purgeStep(site: string, list: string, limit: number): Promise<boolean>;
}
