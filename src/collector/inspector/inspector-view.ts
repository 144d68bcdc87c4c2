/**
 * What the inspector page receives: sessions, orders (carts and conversions) and customers, as
 * plain JSON. One place for the view shape, used by the first snapshot and by live updates.
 */
import { toCustomerJson } from '../api/customer-json';
import type { CustomerRecord, ListSubscriptionRecord, OrderRecord, SessionRecord } from '../store/store';
import type { CustomerJson } from '../../node/types';

export interface CustomerView extends CustomerJson {
  site: string;
  lists: ListSubscriptionRecord[];
  journeys_cancelled_at: string | null;
  updated_at: number;
  consent: CustomerRecord['consent'];
  stats: CustomerRecord['stats'];
  status: CustomerRecord['status'];
}

export interface InspectorView {
  sessions: SessionRecord[];
  orders: OrderRecord[];
  customers: CustomerView[];
}

export const toCustomerView = (record: CustomerRecord): CustomerView => ({
  site: record.site,
  ...toCustomerJson(record),
  lists: record.lists,
  journeys_cancelled_at: record.journeys_cancelled_at,
  updated_at: record.updated_at,
  consent: record.consent,
  stats: record.stats,
  status: record.status,
});
