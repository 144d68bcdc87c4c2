/**
 * The SQLite implementation of `Store` (better-sqlite3, WAL). Beacon batches go through group
 * commit; REST writes are small transactions of their own. Exports read through a separate
 * read-only connection per export, so a slow client never blocks writers (WAL readers see a
 * snapshot and do not lock).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { WireEvent } from '../../protocol/types';
import { createCustomer, mergeProfile } from '../assembly/customer-profile';
import { applyConversion, createOrder, toOrderRecord, type OrderState } from '../assembly/order-assembly';
import { createChangeLog } from './change-log';
import { createGroupCommit } from './group-commit';
import { createSqliteAssembler } from './sqlite-assembly';
import { createSqliteRecords } from './sqlite-records';
import { prepareDatabase, type SyncMode } from './sqlite-schema';
import { createSqliteExporter } from './sqlite-export';
import type { ChangeSet, CustomerRecord, InsertResult, Store } from './store';

export interface SqliteStoreOptions {
  /** Database file; its folder is created when missing. */
  path: string;
  /** @default 'full' */
  sync?: SyncMode;
}

interface BatchInput {
  site: string;
  events: WireEvent[];
}

/** Opens (or creates) the database and returns the store. */
export function createSqliteStore({ path, sync = 'full' }: SqliteStoreOptions): Store {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  prepareDatabase(db, sync);
  const records = createSqliteRecords(db);
  const changes = createChangeLog();
  const beginAssembly = createSqliteAssembler(db, records, changes);
  const exporter = createSqliteExporter(db, path);
  const listeners = new Set<(changes: ChangeSet[]) => void>();

  const insertEvent = db.prepare(
    `INSERT OR IGNORE INTO events (site, id, seq, type, ts, visitor, session, order_id, url, data, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  const selectOpenOrders = db.prepare<[string, string], { state: string }>(
    "SELECT state FROM orders WHERE site = ? AND email = ? AND status = 'open' ORDER BY updated_at DESC",
  );

  const publish = (): void => {
    const changed = changes.drain();
    if (!changed.length) return;
    for (const listener of listeners)
      try {
        listener(changed);
      } catch {
        // the inspector must never break a write
      }
  };

  /** Runs `work` in a transaction and publishes its changes after the commit; drops them on rollback. */
  const write = <T>(work: () => T): T => {
    try {
      const result = db.transaction(work)();
      publish();
      return result;
    } catch (error) {
      changes.drain();
      throw error;
    }
  };

  const insertBatches = (inputs: BatchInput[]): InsertResult[] => {
    const now = Date.now();
    const unit = beginAssembly(now);
    const results = inputs.map(({ site, events }) => {
      let accepted = 0;
      for (const event of events) {
        const { changes: stored } = insertEvent.run(
          site, event.id, event.seq, event.type, event.ts, event.visitor, event.session,
          event.order, event.url, JSON.stringify(event.data), now,
        );
        if (!stored) continue; // a duplicate: already stored and assembled once
        accepted++;
        unit.apply(site, event);
      }
      return { accepted, duplicates: events.length - accepted };
    });
    unit.finish();
    return results;
  };

  const batches = createGroupCommit<BatchInput, InsertResult>((inputs) => write(() => insertBatches(inputs)));

  const findCustomer = (site: string, idOrEmail: string): CustomerRecord | undefined =>
    idOrEmail.includes('@')
      ? records.getCustomerByEmail(site, idOrEmail.trim().toLowerCase())
      : records.getCustomerById(site, idOrEmail);

  const store: Store = {
    insertBatch: (site, events) => batches.add({ site, events }),

    async convertOrders(site, email, { scope, ...conversion }) {
      return write(() => {
        const now = Date.now();
        const open = selectOpenOrders.all(site, email).map((row) => JSON.parse(row.state) as OrderState);
        const targets = scope == 'latest' ? open.slice(0, 1) : open;
        if (!targets.length && (conversion.cart_data || conversion.cart_items?.length)) {
          // Nothing open (say the shopper paid on another device): record the conversion anyway.
          const order = { ...createOrder(site, `api:${randomBytes(8).toString('hex')}`, now), email };
          targets.push(order);
          records.ensureCustomer(site, email, now);
          changes.note(site, 'customers', email);
        }
        for (const order of targets) {
          records.putOrder(applyConversion(order, conversion, now, 'api'), now);
          changes.note(site, 'orders', order.id);
        }
        return open.length ? targets.length : 0;
      });
    },

    async getCustomer(site, idOrEmail) {
      return findCustomer(site, idOrEmail);
    },

    async upsertCustomer(site, email, change) {
      return write(() => {
        const now = Date.now();
        const found = records.getCustomerByEmail(site, email);
        const base = found ?? createCustomer(site, email, now);
        const customer = { ...base, profile: mergeProfile(base.profile, change), updated_at: now };
        records.putCustomer(customer);
        changes.note(site, 'customers', email);
        return { customer, created: !found };
      });
    },

    async updateCustomer(site, idOrEmail, email, change) {
      return write(() => {
        const found = findCustomer(site, idOrEmail);
        if (!found) return 'not_found' as const;
        const owner = email == found.email ? found : records.getCustomerByEmail(site, email);
        if (owner && owner.id != found.id) return 'email_taken' as const;
        const customer = { ...found, email, profile: mergeProfile(found.profile, change), updated_at: Date.now() };
        records.putCustomer(customer);
        changes.note(site, 'customers', found.email);
        changes.note(site, 'customers', email);
        return customer;
      });
    },

    async setCustomerFlags(site, email, { unsubscribe, optIn, cancel }) {
      return write(() => {
        const now = Date.now();
        const customer = { ...records.ensureCustomer(site, email, now), updated_at: now };
        if (unsubscribe) Object.assign(customer, { is_unsubscribed: true, unsubscribe_date: unsubscribe });
        if (optIn) Object.assign(customer, { is_opted_in: true, opt_in_date: optIn.date, opt_in_info: optIn.info });
        if (cancel) customer.journeys_cancelled_at = cancel;
        records.putCustomer(customer);
        changes.note(site, 'customers', email);
        return customer;
      });
    },

    async getSession(site, id) {
      return records.getSession(site, id);
    },

    async getOrder(site, id) {
      const order = records.getOrder(site, id);
      return order && toOrderRecord(order);
    },

    async recent(site, limit) {
      const where = site === undefined ? '' : 'WHERE site = @site';
      const params = site === undefined ? { limit } : { site, limit };
      const query = <T>(sql: string): T[] =>
        db.prepare(`${sql} ${where} ORDER BY updated_at DESC LIMIT @limit`).all(params) as T[];
      return {
        sessions: query<{ site: string; id: string }>('SELECT site, id FROM sessions').flatMap(
          (row) => records.getSession(row.site, row.id) ?? [],
        ),
        orders: query<{ state: string }>('SELECT state FROM orders').map((row) => toOrderRecord(JSON.parse(row.state))),
        customers: query<{ record: string }>('SELECT record FROM customers').map((row) => JSON.parse(row.record)),
      };
    },

    exportEvents: async (site, after, limit) => exporter.open(site, after, limit),

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      batches.flush();
      exporter.closeAll();
      listeners.clear();
      if (db.open) db.close();
    },
  };
  return store;
}
