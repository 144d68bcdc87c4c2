/**
 * The dashboard's queries read through indexes on PostgreSQL too (test/collector/dashboard-sql.test.ts
 * checks SQLite): with sequential scans priced out (`enable_seqscan = off`), a plan that still
 * holds a "Seq Scan" has no index to use, so its cost would grow with what is stored. A listing of
 * deliveries by state must also search on the state (an index condition), not filter the site's
 * whole history.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CART_STATES } from '../../src/collector/domain/cart-state';
import {
  abandonedTotalsStatement,
  cartsByIdsStatement,
  cartsStatement,
  funnelStatement,
  POSTGRES_DIALECT,
  revenueStatement,
  type Statement,
} from '../../src/collector/store/dashboard-sql';
import { deliveryListing } from '../../src/collector/store/postgres/postgres-automation';
import { startTestCollector, type TestCollector } from '../support/collector';

const range = { from: 1_700_000_000_000, to: 1_702_592_000_000 };
const statements: [string, Statement][] = [
  ...[...CART_STATES, 'all' as const].map((state): [string, Statement] => [`carts ${state}`, cartsStatement(POSTGRES_DIALECT, 'shop', { ...range, state, limit: 26 })]),
  ['abandoned totals', abandonedTotalsStatement(POSTGRES_DIALECT, 'shop', range)],
  ['revenue', revenueStatement(POSTGRES_DIALECT, 'shop', range)],
  ['funnel', funnelStatement(POSTGRES_DIALECT, 'shop', range)],
  ['carts by id', cartsByIdsStatement(POSTGRES_DIALECT, 'shop', ['o-1'])],
  ['deliveries', deliveryListing(undefined, 51)],
  ['deliveries by state', deliveryListing(undefined, 51, undefined, 'dead')],
  ['deliveries of a site', deliveryListing('shop', 51)],
  ['deliveries of a site by state', deliveryListing('shop', 101, [range.to, 'whd_1'], 'dead')],
];

let collector: TestCollector;
let client: pg.Client;
beforeAll(async () => {
  // A collector migrates the database; its schema is what the plans read.
  collector = await startTestCollector({ automation: false });
  client = new pg.Client(collector.db);
  await client.connect();
  // Planners choose among indexes by statistics: an outbox of 10 sites, mostly delivered, a few dead.
  await client.query(
    `INSERT INTO webhook_deliveries (id, site, type, url, body, state, attempts, next_at, created_at, updated_at, deadline)
     SELECT 'whd_' || i, 'site-' || (i % 10), 'cart_abandoned', 'https://hooks.example/', '{}',
            CASE WHEN i % 100 = 0 THEN 'dead' ELSE 'delivered' END, 1, i, i, i, i
     FROM generate_series(1, 20000) AS i`,
  );
  await client.query('ANALYZE webhook_deliveries');
  await client.query('SET enable_seqscan = off');
});
afterAll(async () => {
  await client?.end();
  await collector?.dispose();
});

const planOf = async ({ sql, params }: Statement): Promise<string> =>
  (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).rows.map((row) => row['QUERY PLAN']).join('\n');

describe('dashboard queries on PostgreSQL', () => {
  it.each(statements)('%s reads through indexes', async (_name, statement) => {
    const plan = await planOf(statement);
    expect(plan, plan).not.toMatch(/Seq Scan/);
    expect(plan, plan).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
  });

  it("lists a site's deliveries of one state on the index that has the state", async () => {
    // A few dead ones: the planner may fetch them all by bitmap and sort them; many: it walks the
    // index backwards. Either way it reads the site's deliveries of that state only.
    const plan = await planOf(deliveryListing('site-3', 101, undefined, 'dead'));
    expect(plan, plan).toMatch(/Index Scan( Backward)? (using|on) webhook_deliveries_site_state/);
    expect(plan, plan).toMatch(/Index Cond: \(\(site = 'site-3'::text\) AND \(state = 'dead'::text\)/);
  });
});
