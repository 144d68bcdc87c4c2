/**
 * Row access of the SQLite store: orders and customers are kept as JSON documents next to the
 * columns that index them; these helpers are the only place that converts between the two.
 */
import type { Database } from 'better-sqlite3';
import { createCustomer } from '../assembly/customer-profile';
import type { OrderState } from '../assembly/order-assembly';
import type { CustomerRecord, SessionRecord } from './store';

interface SessionRow extends Omit<SessionRecord, 'metadata'> {
  metadata: string;
}

export interface SqliteRecords {
  getOrder(site: string, id: string): OrderState | undefined;
  putOrder(order: OrderState, now: number): void;
  getCustomerByEmail(site: string, email: string): CustomerRecord | undefined;
  getCustomerById(site: string, id: string): CustomerRecord | undefined;
  putCustomer(customer: CustomerRecord): void;
  /** The customer of `email`, created (and stored) when missing. */
  ensureCustomer(site: string, email: string, now: number): CustomerRecord;
  getSession(site: string, id: string): SessionRecord | undefined;
}

export function createSqliteRecords(db: Database): SqliteRecords {
  const selectOrder = db.prepare<[string, string], { state: string }>('SELECT state FROM orders WHERE site = ? AND id = ?');
  const upsertOrder = db.prepare(
    `INSERT INTO orders (site, id, visitor, email, status, state, updated_at)
     VALUES (@site, @id, @visitor, @email, @status, @state, @now)
     ON CONFLICT (site, id) DO UPDATE SET visitor = excluded.visitor, email = excluded.email,
       status = excluded.status, state = excluded.state, updated_at = excluded.updated_at`,
  );
  const selectCustomerByEmail = db.prepare<[string, string], { record: string }>(
    'SELECT record FROM customers WHERE site = ? AND email = ?',
  );
  const selectCustomerById = db.prepare<[string, string], { record: string }>(
    'SELECT record FROM customers WHERE site = ? AND id = ?',
  );
  const upsertCustomer = db.prepare(
    `INSERT INTO customers (site, id, email, record, updated_at) VALUES (@site, @id, @email, @record, @now)
     ON CONFLICT (site, id) DO UPDATE SET email = excluded.email, record = excluded.record, updated_at = excluded.updated_at`,
  );
  const selectSession = db.prepare<[string, string], SessionRow>(
    `SELECT site, id, visitor, email, first_seen, last_seen, page_views, events, last_url, metadata
     FROM sessions WHERE site = ? AND id = ?`,
  );

  const records: SqliteRecords = {
    getOrder(site, id) {
      const row = selectOrder.get(site, id);
      return row && (JSON.parse(row.state) as OrderState);
    },
    putOrder(order, now) {
      upsertOrder.run({
        site: order.site,
        id: order.id,
        visitor: order.visitor,
        email: order.email,
        status: order.status,
        state: JSON.stringify(order),
        now,
      });
    },
    getCustomerByEmail(site, email) {
      const row = selectCustomerByEmail.get(site, email);
      return row && (JSON.parse(row.record) as CustomerRecord);
    },
    getCustomerById(site, id) {
      const row = selectCustomerById.get(site, id);
      return row && (JSON.parse(row.record) as CustomerRecord);
    },
    putCustomer(customer) {
      upsertCustomer.run({
        site: customer.site,
        id: customer.id,
        email: customer.email,
        record: JSON.stringify(customer),
        now: customer.updated_at,
      });
    },
    ensureCustomer(site, email, now) {
      const found = records.getCustomerByEmail(site, email);
      if (found) return found;
      const customer = createCustomer(site, email, now);
      records.putCustomer(customer);
      return customer;
    },
    getSession(site, id) {
      const row = selectSession.get(site, id);
      return row && { ...row, metadata: JSON.parse(row.metadata) };
    },
  };
  return records;
}
