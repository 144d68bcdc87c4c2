/**
 * HubRise's customer lists, loyalty cards and operations on PostgreSQL (hubrise-engine.ts), in
 * parameterized SQL. Listings page in each table's `seq`: a row that existed when paging began
 * keeps its place, so it is shown exactly once whatever other nodes insert meanwhile. Email and
 * phone searches compare with COLLATE "C" (byte order, that is code point order), so a prefix
 * is one index range whatever the database's locale.
 */
import type { ClientBase, Pool } from 'pg';
import type { CustomerListRow } from '../../domain/customer-lists';
import { lockKey } from '../../domain/keys';
import type { CustomerCandidate, CustomerSource } from '../../domain/customer-search';
import type { LoyaltyCardRow, LoyaltyOperationRow } from '../../domain/loyalty';
import type { CardSource, HubriseReader, HubriseTx, SourceCursor } from '../hubrise/hubrise-engine';
import { toCustomer } from './postgres-rows';

type Row = Record<string, unknown>;
type Queryable = Pick<ClientBase, 'query'> | Pick<Pool, 'query'>;

const LIST_COLUMNS = 'seq, site, id, name, scope, created_at, deleted_at';
const CARD_COLUMNS = 'seq, site, id, list, customer, name, ref, balance, created_at';
const OPERATION_COLUMNS = 'seq, site, id, list, card, customer, created_at, order_id, order_location_id, reason, delta, new_balance';
const CUSTOMER_COLUMNS = `site, id, container, email, external_id, private_ref, profile, consent, stats, status, anonymised,
  journeys_cancelled_at, created_at, updated_at`;
const CANDIDATE_COLUMNS = 'seq AS key, id, email, phone_key, private_ref, status';

const rowsOf = async (db: Queryable, sql: string, params: unknown[]): Promise<Row[]> => (await db.query(sql, params)).rows;

/** The SQL of a customer search's candidates. */
function candidateQuery(site: string, container: string, source: CustomerSource, after: SourceCursor | null, limit: number): [string, unknown[]] {
  const base = `SELECT ${CANDIDATE_COLUMNS} FROM customers WHERE site = $1 AND container = $2`;
  if (source.by == 'all') return [`${base} AND seq > $3 ORDER BY seq LIMIT $4`, [site, container, after?.key ?? 0, limit]];
  if (source.by == 'private_ref')
    return [`${base} AND private_ref = $3 AND seq > $4 ORDER BY seq LIMIT $5`, [site, container, source.value, after?.key ?? 0, limit]];
  const column = source.by == 'email' ? 'email COLLATE "C"' : 'phone_key COLLATE "C"';
  if (source.exact)
    return [`${base} AND ${column} = $3 AND seq > $4 ORDER BY ${column}, seq LIMIT $5`, [site, container, source.from, after?.key ?? 0, limit]];
  const params: unknown[] = [site, container, source.from];
  let sql = `${base} AND ${column} >= $3`;
  if (source.to !== null) {
    params.push(source.to);
    sql += ` AND ${column} < $${params.length}`;
  }
  if (after) {
    params.push(after.value, after.key);
    sql += ` AND (${column}, seq) > ($${params.length - 1}, $${params.length})`;
  }
  params.push(limit);
  return [`${sql} ORDER BY ${column}, seq LIMIT $${params.length}`, params];
}

const CARD_FILTERS: Record<CardSource['by'], string> = {
  all: '',
  customer: 'AND customer = $5',
  ref: 'AND ref = $5',
  name: 'AND name = $5',
};

export function createPostgresHubriseReader(pool: Pool): HubriseReader {
  const rows = (sql: string, params: unknown[]) => rowsOf(pool, sql, params);
  return {
    async customerList(site, id) {
      const [row] = await rows(`SELECT ${LIST_COLUMNS} FROM customer_lists WHERE site = $1 AND id = $2 AND deleted_at IS NULL`, [site, id]);
      return row as unknown as CustomerListRow | undefined;
    },
    pageCustomerLists: async (site, scopes, after, limit) =>
      (await rows(
        `SELECT ${LIST_COLUMNS} FROM customer_lists WHERE site = $1 AND seq > $2 AND deleted_at IS NULL
           AND ($3::text[] IS NULL OR scope = ANY($3::text[])) ORDER BY seq LIMIT $4`,
        [site, after, scopes, limit],
      )) as unknown as CustomerListRow[],
    deletedCustomerLists: async (limit) =>
      (await rows('SELECT site, id FROM customer_lists WHERE deleted_at IS NOT NULL ORDER BY deleted_at LIMIT $1', [limit])) as {
        site: string;
        id: string;
      }[],
    customerCandidates: async (site, container, source, after, limit) =>
      (await rows(...candidateQuery(site, container, source, after, limit))) as unknown as CustomerCandidate[],
    customers: async (site, ids) =>
      ids.length ? (await rows(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = $1 AND id = ANY($2::text[])`, [site, ids])).map(toCustomer) : [],
    defaultCustomersByEmail: async (site, emails) =>
      emails.length
        ? (await rows(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = $1 AND container = 'default' AND email = ANY($2::text[])`, [site, emails])).map(
            toCustomer,
          )
        : [],
    metadataOf: async (site, owners) =>
      owners.length
        ? (await rows('SELECT owner, key, value FROM metadata WHERE site = $1 AND owner = ANY($2::text[]) ORDER BY owner, key COLLATE "C"', [site, owners])).map(
            (row): [string, string, string] => [row.owner as string, row.key as string, row.value as string],
          )
        : [],
    async loyaltyCard(site, id) {
      const [row] = await rows(`SELECT ${CARD_COLUMNS} FROM loyalty_cards WHERE site = $1 AND id = $2`, [site, id]);
      return row as unknown as LoyaltyCardRow | undefined;
    },
    cardsOfCustomers: async (site, customers, limit) =>
      customers.length
        ? ((await rows(
            `SELECT c.* FROM unnest($2::text[]) AS k(customer),
               LATERAL (SELECT ${CARD_COLUMNS} FROM loyalty_cards WHERE site = $1 AND customer = k.customer ORDER BY seq LIMIT $3) AS c`,
            [site, customers, limit],
          )) as unknown as LoyaltyCardRow[])
        : [],
    cardCandidates: async (site, list, source, after, limit) =>
      (await rows(
        `SELECT ${CARD_COLUMNS} FROM loyalty_cards WHERE site = $1 AND list = $2 ${CARD_FILTERS[source.by]} AND seq > $3 ORDER BY seq LIMIT $4`,
        [site, list, after, limit, ...(source.by == 'all' ? [] : [source.value])],
      )) as unknown as LoyaltyCardRow[],
    async loyaltyOperation(site, id) {
      const [row] = await rows(`SELECT ${OPERATION_COLUMNS} FROM loyalty_operations WHERE site = $1 AND id = $2`, [site, id]);
      return row as unknown as LoyaltyOperationRow | undefined;
    },
    operationsBefore: async (site, card, before, limit) =>
      (await rows(
        `SELECT ${OPERATION_COLUMNS} FROM loyalty_operations WHERE site = $1 AND card = $2 AND ($3::bigint IS NULL OR seq < $3::bigint)
         ORDER BY seq DESC LIMIT $4`,
        [site, card, before, limit],
      )) as unknown as LoyaltyOperationRow[],
  };
}

export function createPostgresHubriseTx(client: ClientBase): HubriseTx {
  const rows = (sql: string, params: unknown[]) => rowsOf(client, sql, params);
  const one = async (sql: string, params: unknown[]): Promise<Row | undefined> => (await rows(sql, params))[0];
  /** Rows a DELETE … RETURNING removed. */
  const removed = async (sql: string, params: unknown[]): Promise<number> => (await client.query(sql, params)).rowCount ?? 0;
  return {
    async lockListShared(site, list) {
      // The same lock name and hash as rejoiner_lock, which deleting the list takes exclusively.
      await client.query('SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))', [lockKey(site, 'customer-list', list)]);
    },
    customerList: async (site, id) => (await one(`SELECT ${LIST_COLUMNS} FROM customer_lists WHERE site = $1 AND id = $2`, [site, id])) as CustomerListRow | undefined,
    liveListsNamed: async (site, name) =>
      (await rows(`SELECT ${LIST_COLUMNS} FROM customer_lists WHERE site = $1 AND name = $2 AND deleted_at IS NULL`, [site, name])) as unknown as CustomerListRow[],
    liveListCount: async (site) => Number((await one('SELECT count(*) AS n FROM customer_lists WHERE site = $1 AND deleted_at IS NULL', [site]))!.n),
    insertCustomerList: async ({ site, id, name, scope, created_at }) =>
      (await removed(
        'INSERT INTO customer_lists (site, id, name, scope, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site, id) DO NOTHING',
        [site, id, name, scope, created_at],
      )) > 0,
    renameCustomerList: async (site, id, name) => void (await client.query('UPDATE customer_lists SET name = $3 WHERE site = $1 AND id = $2', [site, id, name])),
    markCustomerListDeleted: async (site, id, at) =>
      void (await client.query('UPDATE customer_lists SET deleted_at = $3 WHERE site = $1 AND id = $2 AND deleted_at IS NULL', [site, id, at])),
    async customerByPrivateRef(site, container, ref) {
      const row = await one(`SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE site = $1 AND container = $2 AND private_ref = $3`, [site, container, ref]);
      return row && toCustomer(row);
    },
    orderExists: async (site, value) =>
      !!(await one('SELECT 1 FROM orders WHERE site = $1 AND id = $2 UNION ALL (SELECT 1 FROM orders WHERE site = $1 AND order_number = $2 LIMIT 1) LIMIT 1', [
        site,
        value,
      ])),
    loyaltyCard: async (site, id) => (await one(`SELECT ${CARD_COLUMNS} FROM loyalty_cards WHERE site = $1 AND id = $2`, [site, id])) as LoyaltyCardRow | undefined,
    cardOfCustomer: async (site, customer, ref) =>
      (await one(`SELECT ${CARD_COLUMNS} FROM loyalty_cards WHERE site = $1 AND customer = $2 AND coalesce(ref, '') = $3`, [site, customer, ref ?? ''])) as
        | LoyaltyCardRow
        | undefined,
    insertLoyaltyCard: async (row) =>
      (await removed(
        `INSERT INTO loyalty_cards (site, id, list, customer, name, ref, balance, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (site, id) DO NOTHING`,
        [row.site, row.id, row.list, row.customer, row.name, row.ref, row.balance, row.created_at],
      )) > 0,
    updateLoyaltyCard: async (site, id, name, ref) =>
      void (await client.query('UPDATE loyalty_cards SET name = $3, ref = $4 WHERE site = $1 AND id = $2', [site, id, name, ref])),
    setCardBalance: async (site, id, balance) => void (await client.query('UPDATE loyalty_cards SET balance = $3 WHERE site = $1 AND id = $2', [site, id, balance])),
    insertLoyaltyOperation: async (row) =>
      (await removed(
        `INSERT INTO loyalty_operations (site, id, list, card, customer, created_at, order_id, order_location_id, reason, delta, new_balance)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (site, id) DO NOTHING`,
        [row.site, row.id, row.list, row.card, row.customer, row.created_at, row.order_id, row.order_location_id, row.reason, row.delta, row.new_balance],
      )) > 0,
    async purgeStep(site, list, limit) {
      const page = (table: string) =>
        `DELETE FROM ${table} WHERE (site, id) IN (SELECT site, id FROM ${table} WHERE site = $1 AND list = $2 LIMIT $3)`;
      if (await removed(page('loyalty_operations'), [site, list, limit])) return false;
      if (await removed(page('loyalty_cards'), [site, list, limit])) return false;
      // A customer has at most 200 metadata keys: a tenth of the page in customers keeps the step bounded.
      const ids = (await rows('SELECT id FROM customers WHERE site = $1 AND container = $2 LIMIT $3', [site, list, Math.max(1, Math.floor(limit / 10))])).map(
        (row) => row.id as string,
      );
      if (ids.length) {
        const owners = ids.flatMap((id) => [`customer:${id}`, `opt_in:${id}`]);
        await client.query('DELETE FROM metadata WHERE site = $1 AND owner = ANY($2::text[])', [site, owners]);
        await client.query('DELETE FROM customer_tags WHERE site = $1 AND customer = ANY($2::text[])', [site, ids]);
        await client.query('DELETE FROM customers WHERE site = $1 AND id = ANY($2::text[])', [site, ids]);
        return false;
      }
      await client.query('DELETE FROM customer_lists WHERE site = $1 AND id = $2 AND deleted_at IS NOT NULL', [site, list]);
      return true;
    },
  };
}
