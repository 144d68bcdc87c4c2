/**
 * Keys of records inside one batch or transaction. A group commit mixes sites, so every key
 * starts with the site (as every primary key in the database does). NUL cannot appear in a site
 * id, so the parts never run together.
 */
import type { MetadataOwnerKind } from './records';

export const keyOf = (a: string, b: string, c?: string): string => (c === undefined ? `${a}\u0000${b}` : `${a}\u0000${b}\u0000${c}`);

/** The owner column of a metadata row: kind and id. */
export const ownerOf = (kind: MetadataOwnerKind, id: string): string => `${kind}:${id}`;

/**
 * A lock name for a record (PostgreSQL turns it into an advisory lock; SQLite has one writer).
 * Site ids and kinds hold no ":", so the name is unambiguous; it holds no NUL, which
 * PostgreSQL text cannot.
 *
 * A customer has two: by email (`customer`), which serializes creating the customer of an
 * email, and by id (`customer-id`), which every writer of an existing customer holds, however
 * it found it (by email, id, phone, external id or private ref). An import by external id takes
 * `customer-external`, which serializes creating the customer of that id; an import known by its
 * phone alone takes `customer-phone` (of the phone's lookup key), so racing imports of one new
 * phone make one customer.
 */
export type LockKind = 'visitor' | 'session' | 'order' | 'customer' | 'customer-id' | 'customer-external' | 'customer-phone';
export const lockKey = (site: string, kind: LockKind, id: string): string => `${site}:${kind}:${id}`;
