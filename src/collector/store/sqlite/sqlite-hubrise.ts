/**
 * HubRise's customer lists, loyalty cards and operations on SQLite (hubrise-engine.ts), as
 * prepared statements. Customers page in rowid order (the customers table's own), the new
 * tables in their AUTOINCREMENT `seq`. Text compares as BINARY (UTF-8 bytes, that is code
 * point order), which the prefix ranges of customer searches rely on.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { CustomerListRow } from '../../domain/customer-lists';
import type { CustomerCandidate, CustomerSource } from '../../domain/customer-search';
import type { LoyaltyCardRow, LoyaltyOperationRow } from '../../domain/loyalty';
import type { CustomerRow } from '../../domain/records';
import type { CardSource, HubriseReader, HubriseTx, SourceCursor } from '../hubrise/hubrise-engine';
import { toCustomer } from './sqlite-rows';

type Row = Record<string, unknown>;

const LIST_COLUMNS = 'seq, site, id, name, scope, created_at, deleted_at';
const CARD_COLUMNS = 'seq, site, id, list, customer, name, ref, balance, created_at';
const OPERATION_COLUMNS = 'seq, site, id, list, card, customer, created_at, order_id, order_location_id, reason, delta, new_balance';
const CUSTOMER_COLUMNS = `site, id, container, email, external_id, private_ref, phone_key, profile, consent, stats, status,
  anonymised, journeys_cancelled_at, created_at, updated_at`;
const CANDIDATE_COLUMNS = 'rowid AS key, id, email, phone_key, private_ref, status';

const present = <T>(list: (T | undefined)[]): T[] => list.filter((entry): entry is T => entry !== undefined);

/**
 * The statements of a customer search source. After a cursor, a range continues with the rows
 * of the cursor's value after its key, then the values after it: two index seeks (SQLite would
 * seek on the value alone for a row-value comparison, reading every row of a repeated email).
 */
function candidateStatements(db: Database) {
  const base = `SELECT ${CANDIDATE_COLUMNS} FROM customers WHERE site = @site AND container = @container`;
  const range = (column: string, bound: string) => ({
    first: db.prepare(`${base} AND ${column} >= @from ${bound} ORDER BY ${column}, rowid LIMIT @limit`),
    after: db.prepare(
      `SELECT * FROM (${base} AND ${column} = @value AND rowid > @key ORDER BY rowid LIMIT @limit)
       UNION ALL
       SELECT * FROM (${base} AND ${column} > @value ${bound} ORDER BY ${column}, rowid LIMIT @limit)
       LIMIT @limit`,
    ),
  });
  return {
    all: db.prepare(`${base} AND rowid > @key ORDER BY rowid LIMIT @limit`),
    private_ref: db.prepare(`${base} AND private_ref = @value AND rowid > @key ORDER BY rowid LIMIT @limit`),
    email: {
      exact: db.prepare(`${base} AND email = @value AND rowid > @key ORDER BY rowid LIMIT @limit`),
      bounded: range('email', 'AND email < @to'),
      open: range('email', ''),
    },
    phone: {
      exact: db.prepare(`${base} AND phone_key = @value AND rowid > @key ORDER BY rowid LIMIT @limit`),
      bounded: range('phone_key', 'AND phone_key < @to'),
      open: range('phone_key', ''),
    },
  };
}

export function createSqliteHubriseReader(db: Database): HubriseReader {
  const candidates = candidateStatements(db);
  const q = {
    list: db.prepare(`SELECT ${LIST_COLUMNS} FROM customer_lists WHERE site = ? AND id = ? AND deleted_at IS NULL`),
    lists: db.prepare(`SELECT ${LIST_COLUMNS} FROM customer_lists WHERE site = ? AND seq > ? AND deleted_at IS NULL ORDER BY seq LIMIT ?`),
    listsOfScopes: db.prepare(
      `SELECT ${LIST_COLUMNS} FROM customer_lists WHERE site = ? AND seq > ? AND deleted_at IS NULL
         AND scope IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT ?`,
    ),
    deleted: db.prepare('SELECT site, id FROM customer_lists WHERE deleted_at IS NOT NULL ORDER BY deleted_at LIMIT ?'),
    customer: db.prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = ? AND id = ?`),
    defaultByEmail: db.prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = ? AND container = 'default' AND email = ?`),
    metadata: db.prepare('SELECT owner, key, value FROM metadata WHERE site = ? AND owner = ? ORDER BY key').raw(),
    card: db.prepare(`SELECT ${CARD_COLUMNS} FROM loyalty_cards WHERE site = ? AND id = ?`),
    cardsOfCustomer: db.prepare(`SELECT ${CARD_COLUMNS} FROM loyalty_cards WHERE site = ? AND customer = ? ORDER BY seq LIMIT ?`),
    cards: {
      all: db.prepare(`SELECT ${CARD_COLUMNS} FROM loyalty_cards WHERE site = @site AND list = @list AND seq > @after ORDER BY seq LIMIT @limit`),
      customer: db.prepare(
        `SELECT ${CARD_COLUMNS} FROM loyalty_cards WHERE site = @site AND customer = @value AND list = @list AND seq > @after ORDER BY seq LIMIT @limit`,
      ),
      ref: db.prepare(
        `SELECT ${CARD_COLUMNS} FROM loyalty_cards WHERE site = @site AND list = @list AND ref = @value AND seq > @after ORDER BY seq LIMIT @limit`,
      ),
      name: db.prepare(
        `SELECT ${CARD_COLUMNS} FROM loyalty_cards WHERE site = @site AND list = @list AND name = @value AND seq > @after ORDER BY seq LIMIT @limit`,
      ),
    },
    operation: db.prepare(`SELECT ${OPERATION_COLUMNS} FROM loyalty_operations WHERE site = ? AND id = ?`),
    operationsNewest: db.prepare(`SELECT ${OPERATION_COLUMNS} FROM loyalty_operations WHERE site = ? AND card = ? ORDER BY seq DESC LIMIT ?`),
    operationsBefore: db.prepare(
      `SELECT ${OPERATION_COLUMNS} FROM loyalty_operations WHERE site = ? AND card = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    ),
  };
  const customerRow = (statement: Statement, ...params: unknown[]): CustomerRow | undefined => {
    const row = statement.get(...params) as Row | undefined;
    return row && toCustomer(row);
  };

  return {
    customerList: async (site, id) => q.list.get(site, id) as CustomerListRow | undefined,
    pageCustomerLists: async (site, scopes, after, limit) =>
      (scopes === null ? q.lists.all(site, after, limit) : q.listsOfScopes.all(site, after, JSON.stringify(scopes), limit)) as CustomerListRow[],
    deletedCustomerLists: async (limit) => q.deleted.all(limit) as { site: string; id: string }[],
    async customerCandidates(site, container, source, after, limit) {
      return candidateRows(candidates, site, container, source, after, limit);
    },
    customers: async (site, ids) => present(ids.map((id) => customerRow(q.customer, site, id))),
    defaultCustomersByEmail: async (site, emails) => present(emails.map((email) => customerRow(q.defaultByEmail, site, email))),
    metadataOf: async (site, owners) => owners.flatMap((owner) => q.metadata.all(site, owner) as [string, string, string][]),
    loyaltyCard: async (site, id) => q.card.get(site, id) as LoyaltyCardRow | undefined,
    cardsOfCustomers: async (site, customers, limit) => customers.flatMap((customer) => q.cardsOfCustomer.all(site, customer, limit) as LoyaltyCardRow[]),
    cardCandidates: async (site, list, source: CardSource, after, limit) =>
      q.cards[source.by].all({ site, list, after, limit, ...(source.by == 'all' ? {} : { value: source.value }) }) as LoyaltyCardRow[],
    loyaltyOperation: async (site, id) => q.operation.get(site, id) as LoyaltyOperationRow | undefined,
    operationsBefore: async (site, card, before, limit) =>
      (before === null ? q.operationsNewest.all(site, card, limit) : q.operationsBefore.all(site, card, before, limit)) as LoyaltyOperationRow[],
  };
}

function candidateRows(
  statements: ReturnType<typeof candidateStatements>,
  site: string,
  container: string,
  source: CustomerSource,
  after: SourceCursor | null,
  limit: number,
): CustomerCandidate[] {
  const params = { site, container, limit };
  if (source.by == 'all') return statements.all.all({ ...params, key: after?.key ?? 0 }) as CustomerCandidate[];
  if (source.by == 'private_ref') return statements.private_ref.all({ ...params, value: source.value, key: after?.key ?? 0 }) as CustomerCandidate[];
  const set = statements[source.by];
  if (source.exact) return set.exact.all({ ...params, value: source.from, key: after?.key ?? 0 }) as CustomerCandidate[];
  const range = source.to === null ? set.open : set.bounded;
  const bounds = source.to === null ? params : { ...params, to: source.to };
  if (!after) return range.first.all({ ...bounds, from: source.from }) as CustomerCandidate[];
  const rows = range.after.all({ ...bounds, value: after.value, key: after.key }) as CustomerCandidate[];
  // In the source's order: by the value (UTF-8 bytes, as SQLite compares), then the key.
  const value = (row: CustomerCandidate): Buffer => Buffer.from((source.by == 'email' ? row.email : row.phone_key) ?? '');
  return rows.sort((a, b) => Buffer.compare(value(a), value(b)) || a.key - b.key);
}

export function createSqliteHubriseTx(db: Database): HubriseTx {
  const q = {
    list: db.prepare(`SELECT ${LIST_COLUMNS} FROM customer_lists WHERE site = ? AND id = ?`),
    named: db.prepare(`SELECT ${LIST_COLUMNS} FROM customer_lists WHERE site = ? AND name = ? AND deleted_at IS NULL`),
    count: db.prepare('SELECT count(*) FROM customer_lists WHERE site = ? AND deleted_at IS NULL').pluck(),
    insertList: db.prepare(
      'INSERT INTO customer_lists (site, id, name, scope, created_at) VALUES (@site, @id, @name, @scope, @created_at) ON CONFLICT (site, id) DO NOTHING',
    ),
    rename: db.prepare('UPDATE customer_lists SET name = ? WHERE site = ? AND id = ?'),
    markDeleted: db.prepare('UPDATE customer_lists SET deleted_at = ? WHERE site = ? AND id = ? AND deleted_at IS NULL'),
    byPrivateRef: db.prepare(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = ? AND container = ? AND private_ref = ?`),
    orderById: db.prepare('SELECT 1 FROM orders WHERE site = ? AND id = ?').pluck(),
    orderByNumber: db.prepare('SELECT 1 FROM orders WHERE site = ? AND order_number = ? LIMIT 1').pluck(),
    card: db.prepare(`SELECT ${CARD_COLUMNS} FROM loyalty_cards WHERE site = ? AND id = ?`),
    cardOfCustomer: db.prepare(`SELECT ${CARD_COLUMNS} FROM loyalty_cards WHERE site = ? AND customer = ? AND coalesce(ref, '') = ?`),
    insertCard: db.prepare(
      `INSERT INTO loyalty_cards (site, id, list, customer, name, ref, balance, created_at)
       VALUES (@site, @id, @list, @customer, @name, @ref, @balance, @created_at) ON CONFLICT (site, id) DO NOTHING`,
    ),
    updateCard: db.prepare('UPDATE loyalty_cards SET name = ?, ref = ? WHERE site = ? AND id = ?'),
    balance: db.prepare('UPDATE loyalty_cards SET balance = ? WHERE site = ? AND id = ?'),
    insertOperation: db.prepare(
      `INSERT INTO loyalty_operations (site, id, list, card, customer, created_at, order_id, order_location_id, reason, delta, new_balance)
       VALUES (@site, @id, @list, @card, @customer, @created_at, @order_id, @order_location_id, @reason, @delta, @new_balance)
       ON CONFLICT (site, id) DO NOTHING`,
    ),
    purgeOperations: db.prepare(
      'DELETE FROM loyalty_operations WHERE seq IN (SELECT seq FROM loyalty_operations WHERE site = ? AND list = ? LIMIT ?)',
    ),
    purgeCards: db.prepare('DELETE FROM loyalty_cards WHERE seq IN (SELECT seq FROM loyalty_cards WHERE site = ? AND list = ? LIMIT ?)'),
    customersOf: db.prepare('SELECT id FROM customers WHERE site = ? AND container = ? LIMIT ?').pluck(),
    purgeMetadata: db.prepare('DELETE FROM metadata WHERE site = ? AND owner = ?'),
    purgeTags: db.prepare('DELETE FROM customer_tags WHERE site = ? AND customer = ?'),
    purgeCustomer: db.prepare('DELETE FROM customers WHERE site = ? AND id = ?'),
    purgeList: db.prepare('DELETE FROM customer_lists WHERE site = ? AND id = ? AND deleted_at IS NOT NULL'),
  };
  return {
    lockListShared: async () => {},
    customerList: async (site, id) => q.list.get(site, id) as CustomerListRow | undefined,
    liveListsNamed: async (site, name) => q.named.all(site, name) as CustomerListRow[],
    liveListCount: async (site) => q.count.get(site) as number,
    insertCustomerList: async (row) => q.insertList.run(row).changes > 0,
    renameCustomerList: async (site, id, name) => void q.rename.run(name, site, id),
    markCustomerListDeleted: async (site, id, at) => void q.markDeleted.run(at, site, id),
    async customerByPrivateRef(site, container, ref) {
      const row = q.byPrivateRef.get(site, container, ref) as Row | undefined;
      return row && toCustomer(row);
    },
    orderExists: async (site, value) => q.orderById.get(site, value) !== undefined || q.orderByNumber.get(site, value) !== undefined,
    loyaltyCard: async (site, id) => q.card.get(site, id) as LoyaltyCardRow | undefined,
    cardOfCustomer: async (site, customer, ref) => q.cardOfCustomer.get(site, customer, ref ?? '') as LoyaltyCardRow | undefined,
    insertLoyaltyCard: async (row) => q.insertCard.run(row).changes > 0,
    updateLoyaltyCard: async (site, id, name, ref) => void q.updateCard.run(name, ref, site, id),
    setCardBalance: async (site, id, balance) => void q.balance.run(balance, site, id),
    insertLoyaltyOperation: async (row) => q.insertOperation.run(row).changes > 0,
    async purgeStep(site, list, limit) {
      if (q.purgeOperations.run(site, list, limit).changes) return false;
      if (q.purgeCards.run(site, list, limit).changes) return false;
      // A customer has at most 200 metadata keys: a tenth of the page in customers keeps the step bounded.
      const ids = q.customersOf.all(site, list, Math.max(1, Math.floor(limit / 10))) as string[];
      for (const id of ids) {
        q.purgeMetadata.run(site, `customer:${id}`);
        q.purgeMetadata.run(site, `opt_in:${id}`);
        q.purgeTags.run(site, id);
        q.purgeCustomer.run(site, id);
      }
      if (ids.length) return false;
      q.purgeList.run(site, list);
      return true;
    },
  };
}
