/**
 * Rows of the postgres engine as domain records, shared by the record transactions and the HubRise
 * and automation stores (a module of its own, so none of them imports another's).
 */
import type { CustomerRow, ItemRow, OrderHeader } from '../../domain/records';
import type { DeliveryFacts } from '../engine';

type Row = Record<string, unknown>;

export const toOrder = (row: Row): OrderHeader => ({
  ...(row as unknown as OrderHeader),
  cart_data: JSON.parse(row.cart_data as string),
  campaign_ids: JSON.parse(row.campaign_ids as string),
});

export const toCustomer = ({ phone_key: _phone, tx: _tx, seq: _seq, written_at: _written, ...row }: Row): CustomerRow => ({
  ...(row as unknown as CustomerRow),
  profile: JSON.parse(row.profile as string),
  consent: JSON.parse(row.consent as string),
  stats: JSON.parse(row.stats as string),
});

export const toItem = (row: Row): ItemRow => ({
  site: row.site as string,
  order: row.order_id as string,
  product_id: row.product_id as string,
  seq: row.seq as number,
  position: row.position as number,
  item: row.item == null ? null : JSON.parse(row.item as string),
});

/** The row of the check before a delivery's attempt (engine.ts DeliveryFacts). */
export const deliveryFactsOf = (row: Row): DeliveryFacts => ({
  exists: !!row.present,
  sessionFirstSeen: row.first_seen == null ? null : Number(row.first_seen),
  order: row.order_status == null ? undefined : { status: row.order_status as OrderHeader['status'] },
  customer:
    row.customer_status == null
      ? undefined
      : { status: row.customer_status as CustomerRow['status'], consent: JSON.parse(row.consent as string), journeys_cancelled_at: row.journeys_cancelled_at as string | null },
});
