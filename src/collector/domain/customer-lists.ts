/**
 * Customer lists (seed 004): containers of customer records, at account or location level. The
 * site is the HubRise account; a location is a named scope inside it, `{site}-{label}` (label 1-16
 * of a-z 0-9), which exists without being declared; `{site}-1` is the site's main location (the
 * short `/location/...` endpoints). Every site has the `default` list, where beacons, Rejoiner's
 * REST API and imports write customers: account level, named "Default" until renamed, never
 * deleted. Pure apart from random ids.
 */
import { randomInt } from 'node:crypto';
import { DEFAULT_CONTAINER } from './records';

/** The scope of an account-level list; a location-level list has its location id as scope. */
export const ACCOUNT_SCOPE = 'account';
export const DEFAULT_LIST_NAME = 'Default';
/** Live customer lists one site may have (deleted ones go away as they are purged). */
export const MAX_CUSTOMER_LISTS = 1000;

export interface CustomerListRow {
  site: string;
  id: string;
  name: string;
  /** ACCOUNT_SCOPE or a location id. */
  scope: string;
  created_at: number;
  /** Set by DELETE: the list is gone for every reader; its records are purged in pages later. */
  deleted_at: number | null;
  /** Insertion order: listings page on it. */
  seq: number;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random characters of a-z 0-9 (HubRise's ids look like "ag8u4"). */
export function randomId(length: number): string {
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

/** A new customer list id: 5 characters, unique in the site (checked on insert, drawn again on a clash). */
export const newListId = (): string => randomId(5);
/** A new id of a customer, loyalty card or operation made through this API: 8 characters. */
export const newRecordId = (): string => randomId(8);

/** Ids this API accepts in a path: what it and the other sources make (24 hex digits, a-z 0-9). */
export const isRecordId = (id: string): boolean => /^[a-z0-9]{1,64}$/.test(id);

/** The main location of a site, which the short `/location/...` endpoints act on. */
export const mainLocation = (site: string): string => `${site}-1`;

/** The location id `id` names in `site`, or undefined when it is not one of the site's. */
export function locationOf(site: string, id: string): string | undefined {
  if (!id.startsWith(`${site}-`)) return undefined;
  return /^[a-z0-9]{1,16}$/.test(id.slice(site.length + 1)) ? id : undefined;
}

/**
 * Whether a list named like `others` (the live lists of the site with that name, the list
 * itself excluded) may have `scope`: at location level a name is unique among the location's
 * lists and the account's; an account-level name is unique among all the site's lists.
 */
export const nameClashes = (scope: string, others: readonly Pick<CustomerListRow, 'scope'>[]): boolean =>
  others.some((other) => scope == ACCOUNT_SCOPE || other.scope == ACCOUNT_SCOPE || other.scope == scope);

/** The default list as it is before anyone renamed it (its row is written on first use). */
export const defaultListRow = (site: string, now: number): Omit<CustomerListRow, 'seq' | 'deleted_at'> => ({
  site,
  id: DEFAULT_CONTAINER,
  name: DEFAULT_LIST_NAME,
  scope: ACCOUNT_SCOPE,
  created_at: now,
});
