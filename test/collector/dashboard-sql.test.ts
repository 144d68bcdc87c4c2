/**
 * Every dashboard query reads through an index, never a whole table: SQLite's query plan for each
 * statement dashboard-sql.ts builds (every cart state, with and without a page cursor) and for each
 * listing of webhook deliveries names an index for every table it reads. A plan that scans a table
 * costs what the site has stored, not what the request asks for; a listing by state must also
 * search on the state, not filter the site's whole history. (test/postgres/dashboard-plans.test.ts
 * checks the same statements on PostgreSQL.)
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CART_STATES } from '../../src/collector/domain/cart-state';
import {
  abandonedTotalsStatement,
  cartsByIdsStatement,
  cartsOfEmailStatement,
  cartsStatement,
  funnelStatement,
  revenueStatement,
  sessionEventsStatement,
  sessionsOfEmailStatement,
  SQLITE_DIALECT,
  type Statement,
} from '../../src/collector/store/dashboard-sql';
import { DELIVERY_LISTINGS } from '../../src/collector/store/sqlite/sqlite-automation';
import { prepareDatabase } from '../../src/collector/store/sqlite/sqlite-migrations';

const db = new Database(':memory:');
prepareDatabase(db, 'full');
const range = { from: 1_700_000_000_000, to: 1_702_592_000_000 };

const statements: [string, Statement][] = [
  ...[...CART_STATES, 'all' as const].flatMap((state): [string, Statement][] => [
    [`carts ${state}`, cartsStatement(SQLITE_DIALECT, 'shop', { ...range, state, limit: 26 })],
    [`carts ${state} after a cursor`, cartsStatement(SQLITE_DIALECT, 'shop', { ...range, state, after: [range.to, 'o-1'], limit: 26 })],
  ]),
  ['abandoned totals', abandonedTotalsStatement(SQLITE_DIALECT, 'shop', range)],
  ['revenue', revenueStatement(SQLITE_DIALECT, 'shop', range)],
  ['funnel', funnelStatement(SQLITE_DIALECT, 'shop', range)],
  ['carts by id', cartsByIdsStatement(SQLITE_DIALECT, 'shop', ['o-1'])],
  ['carts of an email', cartsOfEmailStatement(SQLITE_DIALECT, 'shop', 'a@b.example', 25)],
  ['sessions of an email', sessionsOfEmailStatement(SQLITE_DIALECT, 'shop', 'a@b.example', 25)],
  ['session events', sessionEventsStatement(SQLITE_DIALECT, 'shop', 's-1', 0, 101)],
  ['deliveries', { sql: DELIVERY_LISTINGS.all, params: [range.to, '', 51] }],
  ['deliveries by state', { sql: DELIVERY_LISTINGS.allState, params: [range.to, '', 'dead', 51] }],
  ['deliveries of a site', { sql: DELIVERY_LISTINGS.site, params: ['shop', range.to, '', 51] }],
  ['deliveries of a site by state', { sql: DELIVERY_LISTINGS.siteState, params: ['shop', 'dead', range.to, '', 101] }],
];

describe('dashboard queries on SQLite', () => {
  it.each(statements)('%s reads through indexes', (_name, { sql, params }) => {
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(params as unknown[])) as { detail: string }[]).map((row) => row.detail);
    // "SCAN CONSTANT ROW" is the outer SELECT of subqueries: no table.
    const reads = plan.filter((detail) => /^(SCAN|SEARCH) /.test(detail) && detail != 'SCAN CONSTANT ROW');
    expect(reads.length).toBeGreaterThan(0);
    for (const detail of reads) expect(detail, plan.join('\n')).toMatch(/USING (COVERING )?INDEX|USING (INTEGER )?PRIMARY KEY/);
  });

  it('lists a site\'s deliveries of one state on the index that has the state', () => {
    const { sql, params } = statements.find(([name]) => name == 'deliveries of a site by state')![1];
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(params as unknown[])) as { detail: string }[]).map((row) => row.detail);
    expect(plan.join('\n')).toMatch(/USING INDEX webhook_deliveries_site_state \(site=\? AND state=\?/);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it('runs every statement on an empty database', () => {
    for (const [, { sql, params }] of statements) expect(() => db.prepare(sql).all(...(params as unknown[]))).not.toThrow();
  });
});
