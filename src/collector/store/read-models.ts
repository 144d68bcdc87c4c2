/**
 * Records as the REST API and the dashboard read them, put together from an engine's rows
 * (a record, its metadata rows, its lines, tags and memberships). Engine-neutral.
 */
import type { CartItem } from '../../protocol/types';
import { ownerOf } from '../domain/keys';
import type { CustomerRow, OrderHeader } from '../domain/records';
import type { RecordReader } from './engine';
import type { CustomerRecord, OrderRecord, SessionRecord } from './store';

/**
 * Lines of an order in listings (the dashboard's first paint and live updates), each cut to the
 * fields a list shows; reading one order gives all its lines (at most 500) whole.
 */
export const ORDER_ITEMS_SHOWN = 10;
const ALL_ITEMS = 500;
/** List memberships a customer read shows, newest first: anyone can subscribe an email to any number of lists. */
export const MEMBERSHIPS_SHOWN = 100;

/** A line as a listing shows it: no description, URLs or metadata. */
const listedLine = ({ product_id, name, item_qty, price, qty_price }: CartItem): CartItem => ({ product_id, name, item_qty, price, qty_price });

const objectOf = (entries: [string, string][], parse: boolean): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [key, json] of entries)
    // defineProperty: a key such as "__proto__" stays a plain key.
    Object.defineProperty(out, key, { value: parse ? JSON.parse(json) : String(JSON.parse(json)), enumerable: true, writable: true, configurable: true });
  return out;
};

export function createReadModels(reads: RecordReader) {
  const metadataOf = async (site: string, owner: string, parse = true): Promise<Record<string, unknown> | undefined> => {
    const entries = await reads.metadata(site, owner);
    return entries.length ? objectOf(entries, parse) : undefined;
  };

  const customerRecord = async (row: CustomerRow): Promise<CustomerRecord> => {
    const [tags, metadata, optIn, memberships] = await Promise.all([
      reads.tags(row.site, row.id, 'tag'),
      metadataOf(row.site, ownerOf('customer', row.id)),
      metadataOf(row.site, ownerOf('opt_in', row.id), false),
      reads.memberships(row.site, row.id, MEMBERSHIPS_SHOWN),
    ]);
    const profile: CustomerRecord['profile'] = { ...row.profile };
    if (tags.length) profile.tags = tags;
    if (metadata) profile.metadata = metadata;
    return {
      ...row,
      profile,
      opt_in_info: (optIn ?? {}) as Record<string, string>,
      // Oldest first, as they were listed before: the newest MEMBERSHIPS_SHOWN of them.
      lists: memberships
        .reverse()
        .map(({ list_id, first_name, source, subscribed_at }) => ({ list_id, first_name, source, subscribed_at })),
    };
  };

  const orderRecord = async (header: OrderHeader, itemLimit: number, listed = false): Promise<OrderRecord> => {
    const [items, metadata] = await Promise.all([reads.items(header.site, header.id, itemLimit), metadataOf(header.site, ownerOf('order', header.id), false)]);
    const { site, id, visitor, session, email, status, campaign_type, campaign_ids, created_at, updated_at, converted_at, converted_by, item_count } = header;
    return {
      site, id, visitor, session, email, status,
      cart_data: metadata ? { ...header.cart_data, metadata: metadata as Record<string, string> } : { ...header.cart_data },
      items: items.map((row) => (listed ? listedLine(row.item!) : row.item!)),
      item_count, campaign_type, campaign_ids, created_at, updated_at, converted_at, converted_by,
    };
  };

  const models = {
    async session(site: string, id: string): Promise<SessionRecord | undefined> {
      const row = await reads.session(site, id);
      if (!row) return undefined;
      return { ...row, metadata: ((await metadataOf(site, ownerOf('session', id), false)) ?? {}) as Record<string, string> };
    },
    async order(site: string, id: string, listed = false): Promise<OrderRecord | undefined> {
      const header = await reads.order(site, id);
      return header && orderRecord(header, listed ? ORDER_ITEMS_SHOWN : ALL_ITEMS, listed);
    },
    async customer(site: string, idOrEmail: string): Promise<CustomerRecord | undefined> {
      const row = idOrEmail.includes('@')
        ? await reads.customerByEmail(site, idOrEmail.trim().toLowerCase())
        : await reads.customerById(site, idOrEmail);
      return row && customerRecord(row);
    },
    customerRecord,
    async recent(site: string | undefined, limit: number) {
      const [sessionIds, orderIds, customerIds] = await Promise.all([
        reads.recent('sessions', site, limit),
        reads.recent('orders', site, limit),
        reads.recent('customers', site, limit),
      ]);
      const present = <T>(list: (T | undefined)[]): T[] => list.filter((entry): entry is T => entry !== undefined);
      return {
        sessions: present(await Promise.all(sessionIds.map(([s, id]) => models.session(s, id)))),
        orders: present(await Promise.all(orderIds.map(([s, id]) => models.order(s, id, true)))),
        customers: present(await Promise.all(customerIds.map(([s, id]) => models.customer(s, id)))),
      };
    },
  };
  return models;
}
