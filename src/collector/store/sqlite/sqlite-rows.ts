/**
 * Rows of the sqlite engine as domain records, shared by the record transactions and the HubRise
 * and automation stores (a module of its own, so none of them imports another's).
 */
import type { CustomerRow, ItemRow, OrderHeader } from '../../domain/records';

type Row = Record<string, unknown>;

export const toOrder = (row: Row): OrderHeader => ({
  ...(row as unknown as OrderHeader),
  cart_data: JSON.parse(row.cart_data as string),
  campaign_ids: JSON.parse(row.campaign_ids as string),
});

export const toCustomer = ({ phone_key: _phone, ...row }: Row): CustomerRow => ({
  ...(row as unknown as CustomerRow),
  profile: JSON.parse(row.profile as string),
  consent: JSON.parse(row.consent as string),
  stats: JSON.parse(row.stats as string),
  anonymised: !!row.anonymised,
});

export const toItem = (row: Row): ItemRow => ({
  site: row.site as string,
  order: row.order_id as string,
  product_id: row.product_id as string,
  seq: row.seq as number,
  position: row.position as number,
  item: row.item == null ? null : JSON.parse(row.item as string),
});
