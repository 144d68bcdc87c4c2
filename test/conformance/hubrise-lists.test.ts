/**
 * HubRise customer lists (seed 004 §1) over real HTTP, on both engines: the seed's examples, name
 * uniqueness at location and account level, the short endpoints, the location mapping, the
 * default list, deletion (records gone, name free at once, other lists kept, purged in pages,
 * after a restart too), paging, auth and routing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../../src/collector/collector';
import { PURGE_PAGE } from '../../src/collector/store/hubrise/hubrise-store';
import { startTestCollector, type TestCollector } from '../support/collector';
import { HUBRISE_SITES, OTHER_TOKEN, allPages, countRows, eventually, hubrise, ok, runSql } from '../support/hubrise';

let collector: TestCollector;
let url: string;
beforeAll(async () => {
  collector = await startTestCollector({ sites: HUBRISE_SITES });
  url = collector.url;
});
afterAll(() => collector.dispose());

/** "2020-06-25T11:43:51+02:00", as the seed writes times (the shop's time zone is Europe/Paris). */
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$/;
let names = 0;
const unique = (name: string): string => `${name} ${++names}`;

describe('customer lists: the seed examples', () => {
  it('creates a location list (POST /locations/:location_id/customer_lists {"name": "Web customers"}) and retrieves it', async () => {
    const created = await ok(url, 'POST', '/locations/shop-1/customer_lists', { name: 'Web customers' });
    expect(Object.keys(created)).toEqual(['id', 'name', 'created_at']);
    expect(created).toMatchObject({ name: 'Web customers' });
    expect(created.id).toMatch(/^[a-z0-9]{5}$/);
    expect(created.created_at).toMatch(TIME);
    expect(await ok(url, 'GET', `/customer_lists/${created.id}`)).toEqual(created);
  });

  it('renames a list (PATCH /customer_lists/:id {"name": "New customers"}), and PUT does the same', async () => {
    const list = await ok(url, 'POST', '/location/customer_lists', { name: unique('Online customers') });
    expect(await ok(url, 'PATCH', `/customer_lists/${list.id}`, { name: 'New customers' })).toEqual({ ...list, name: 'New customers' });
    expect((await ok(url, 'PUT', `/customer_lists/${list.id}`, { name: unique('Renamed') })).id).toBe(list.id);
    expect((await ok(url, 'PATCH', `/customer_lists/${list.id}`, {})).id).toBe(list.id);
  });

  it("lists a location's lists with the account's (GET /locations/:location_id/customer_lists), the account's alone at account level", async () => {
    const pos = await ok(url, 'POST', '/locations/shop-pos/customer_lists', { name: unique('POS customers') });
    const account = await ok(url, 'POST', '/accounts/shop/customer_lists', { name: unique('All customers') });
    const other = await ok(url, 'POST', '/locations/shop-2/customer_lists', { name: unique('Second shop') });
    const ids = (rows: { id: string }[]) => rows.map((row) => row.id);
    const atPos = await ok(url, 'GET', '/locations/shop-pos/customer_lists');
    expect(ids(atPos)).toEqual(expect.arrayContaining(['default', pos.id, account.id]));
    expect(ids(atPos)).not.toContain(other.id);
    for (const row of atPos) {
      expect(Object.keys(row)).toEqual(['id', 'name', 'created_at']);
      expect(row.created_at).toMatch(TIME);
    }
    const atAccount = await ok(url, 'GET', '/accounts/shop/customer_lists');
    expect(ids(atAccount)).toEqual(expect.arrayContaining(['default', account.id]));
    expect(ids(atAccount)).not.toContain(pos.id);
    expect(await ok(url, 'GET', '/account/customer_lists')).toEqual(atAccount);
    // Creation order: the default list first.
    expect(atAccount[0].id).toBe('default');
  });
});

describe('customer lists: names', () => {
  it('are unique within a location, and a location list may not take an account list name', async () => {
    const name = unique('Regulars');
    await ok(url, 'POST', '/locations/shop-1/customer_lists', { name });
    const again = await hubrise(url, 'POST', '/location/customer_lists', { name });
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ error_type: 'unprocessable_entity', errors: [{ field: 'name' }] });
    expect(again.body.message).toMatch(/name/);
    // Another location may use it.
    expect((await hubrise(url, 'POST', '/locations/shop-2/customer_lists', { name })).status).toBe(200);

    const accountName = unique('Everyone');
    await ok(url, 'POST', '/account/customer_lists', { name: accountName });
    expect((await hubrise(url, 'POST', '/locations/shop-3/customer_lists', { name: accountName })).status).toBe(422);
  });

  it("at account level are unique among all the site's lists", async () => {
    const name = unique('Walk-ins');
    await ok(url, 'POST', '/locations/shop-7/customer_lists', { name });
    expect((await hubrise(url, 'POST', '/accounts/shop/customer_lists', { name })).status).toBe(422);
    expect((await hubrise(url, 'POST', '/account/customer_lists', { name: 'Default' })).status).toBe(422);
  });

  it('are checked on rename by the same rules, and renaming to its own name is fine', async () => {
    const first = await ok(url, 'POST', '/locations/shop-8/customer_lists', { name: unique('A') });
    const second = await ok(url, 'POST', '/locations/shop-8/customer_lists', { name: unique('B') });
    const elsewhere = await ok(url, 'POST', '/locations/shop-9/customer_lists', { name: unique('C') });
    expect((await hubrise(url, 'PATCH', `/customer_lists/${second.id}`, { name: first.name })).status).toBe(422);
    expect((await hubrise(url, 'PATCH', `/customer_lists/${second.id}`, { name: elsewhere.name })).status).toBe(200);
    expect((await hubrise(url, 'PATCH', `/customer_lists/${first.id}`, { name: first.name })).status).toBe(200);
  });

  it('take one winner when many clients create the same name at once', async () => {
    const name = unique('Race');
    const answers = await Promise.all(Array.from({ length: 12 }, () => hubrise(url, 'POST', '/account/customer_lists', { name })));
    expect(answers.filter((answer) => answer.status == 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status == 422)).toHaveLength(11);
  });

  it.each([
    ['no name', {}],
    ['an empty name', { name: '  ' }],
    ['a number', { name: 42 }],
    ['a name of 201 characters', { name: 'x'.repeat(201) }],
  ])('refuses %s with 422 naming the field', async (_what, body) => {
    const answer = await hubrise(url, 'POST', '/location/customer_lists', body);
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
  });

  it('refuses an unknown field with 400 naming it, and a body that is not an object', async () => {
    const unknown = await hubrise(url, 'POST', '/location/customer_lists', { name: unique('X'), colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'colour' })]);
    expect((await hubrise(url, 'POST', '/location/customer_lists', '[1, 2]')).status).toBe(400);
    expect((await hubrise(url, 'POST', '/location/customer_lists', '{"name":')).status).toBe(400);
  });
});

describe('the default list', () => {
  it('is an account-level list named "Default", which can be renamed', async () => {
    expect(await ok(url, 'GET', '/customer_lists/default')).toMatchObject({ id: 'default', name: 'Default' });
    const renamed = await ok(url, 'PATCH', '/customer_lists/default', { name: 'Storefront' });
    expect(renamed).toMatchObject({ id: 'default', name: 'Storefront' });
    expect((await ok(url, 'GET', '/account/customer_lists')).find((row: { id: string }) => row.id == 'default').name).toBe('Storefront');
    await ok(url, 'PATCH', '/customer_lists/default', { name: 'Default' });
  });

  it('is never deleted: the answer says why', async () => {
    const answer = await hubrise(url, 'DELETE', '/customer_lists/default');
    expect(answer.status).toBe(422);
    expect(answer.body.message).toMatch(/default customer list cannot be deleted/);
    expect((await hubrise(url, 'GET', '/customer_lists/default')).status).toBe(200);
  });

  it("exists for a site that never used this API, in another site's view of its own", async () => {
    const other = await ok(url, 'GET', '/account/customer_lists', undefined, { token: OTHER_TOKEN });
    expect(other).toEqual([expect.objectContaining({ id: 'default', name: 'Default' })]);
  });
});

describe('deleting a list', () => {
  it('deletes its customers, cards and operations, frees its name at once, and keeps the other lists', async () => {
    const name = unique('Doomed');
    const doomed = await ok(url, 'POST', '/location/customer_lists', { name });
    const kept = await ok(url, 'POST', '/location/customer_lists', { name: unique('Kept') });
    const customer = await ok(url, 'POST', `/customer_lists/${doomed.id}/customers`, { email: 'doomed@shop.example', first_name: 'Dora' });
    const card = await ok(url, 'POST', `/customer_lists/${doomed.id}/loyalty_cards`, { customer_id: customer.id, ref: null });
    await ok(url, 'POST', `/customer_lists/${doomed.id}/loyalty_cards/${card.id}/operations`, { delta: '5' });
    const keptCustomer = await ok(url, 'POST', `/customer_lists/${kept.id}/customers`, { email: 'doomed@shop.example', first_name: 'Kept' });

    const deleted = await hubrise(url, 'DELETE', `/customer_lists/${doomed.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: doomed.id, name });

    // Gone for every reader at once.
    expect((await hubrise(url, 'GET', `/customer_lists/${doomed.id}`)).status).toBe(404);
    expect((await hubrise(url, 'GET', `/customer_lists/${doomed.id}/customers/${customer.id}`)).status).toBe(404);
    expect((await hubrise(url, 'GET', `/customer_lists/${doomed.id}/customers`)).status).toBe(404);
    expect((await hubrise(url, 'GET', `/customer_lists/${doomed.id}/loyalty_cards/${card.id}`)).status).toBe(404);
    expect((await hubrise(url, 'POST', `/customer_lists/${doomed.id}/customers`, {})).status).toBe(404);
    expect((await hubrise(url, 'DELETE', `/customer_lists/${doomed.id}`)).status).toBe(404);
    expect((await ok(url, 'GET', '/location/customer_lists')).map((row: { id: string }) => row.id)).not.toContain(doomed.id);
    // Its name is free, the other list and its customer stay.
    expect((await hubrise(url, 'POST', '/location/customer_lists', { name })).status).toBe(200);
    expect(await ok(url, 'GET', `/customer_lists/${kept.id}/customers/${keptCustomer.id}`)).toMatchObject({ first_name: 'Kept' });

    // And the records are purged from the database.
    await eventually(async () => (await countRows(collector, 'SELECT count(*) FROM customers WHERE site = $1 AND container = $2', ['shop', doomed.id])) == 0);
    expect(await countRows(collector, 'SELECT count(*) FROM loyalty_cards WHERE site = $1 AND list = $2', ['shop', doomed.id])).toBe(0);
    expect(await countRows(collector, 'SELECT count(*) FROM loyalty_operations WHERE site = $1 AND list = $2', ['shop', doomed.id])).toBe(0);
    expect(await countRows(collector, "SELECT count(*) FROM metadata WHERE site = $1 AND owner = $2", ['shop', `customer:${customer.id}`])).toBe(0);
    await eventually(async () => (await countRows(collector, 'SELECT count(*) FROM customer_lists WHERE site = $1 AND id = $2', ['shop', doomed.id])) == 0);
  });

  it('costs one row, whatever the list holds: the records go in bounded pages afterwards', async () => {
    const list = await ok(url, 'POST', '/location/customer_lists', { name: unique('Big') });
    const customer = await ok(url, 'POST', `/customer_lists/${list.id}/customers`, {});
    const card = await ok(url, 'POST', `/customer_lists/${list.id}/loyalty_cards`, { customer_id: customer.id, ref: 'BIG' });
    await ok(url, 'POST', `/customer_lists/${list.id}/loyalty_cards/${card.id}/operations`, { delta: '1' });
    // More operations than one purge transaction deletes, written straight into the database: made
    // over HTTP they take turns on the card's lock, seconds on a busy machine, and this is about deletion.
    await runSql(
      collector,
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${PURGE_PAGE + 20})
       INSERT INTO loyalty_operations (site, id, list, card, customer, created_at, delta, new_balance)
       SELECT $1, 'bulk' || i, $2, $3, $4, $5, 1000000, 1000000 * (i + 1) FROM n`,
      ['shop', list.id, card.id, customer.id, Date.now()],
    );
    expect(await countRows(collector, 'SELECT count(*) FROM loyalty_operations WHERE site = $1 AND list = $2', ['shop', list.id])).toBe(PURGE_PAGE + 21);
    const started = Date.now();
    expect((await hubrise(url, 'DELETE', `/customer_lists/${list.id}`)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5000);
    await eventually(async () => (await countRows(collector, 'SELECT count(*) FROM loyalty_operations WHERE site = $1 AND list = $2', ['shop', list.id])) == 0);
    await eventually(async () => (await countRows(collector, 'SELECT count(*) FROM customer_lists WHERE site = $1 AND id = $2', ['shop', list.id])) == 0);
  });

  it('finishes after a restart when the collector stopped before purging', async () => {
    const list = await ok(url, 'POST', '/location/customer_lists', { name: unique('Interrupted') });
    const customer = await ok(url, 'POST', `/customer_lists/${list.id}/customers`, { first_name: 'Ivy' });
    await ok(url, 'POST', `/customer_lists/${list.id}/loyalty_cards`, { customer_id: customer.id });
    await collector.close();
    // What a crash right after the deletion's commit leaves: the mark, and every record.
    await runSql(collector, 'UPDATE customer_lists SET deleted_at = $1 WHERE site = $2 AND id = $3', [Date.now(), 'shop', list.id]);
    expect(await countRows(collector, 'SELECT count(*) FROM customers WHERE site = $1 AND container = $2', ['shop', list.id])).toBe(1);
    const restarted = await startCollector({ port: 0, host: '127.0.0.1', db: collector.db, sites: HUBRISE_SITES });
    try {
      expect((await hubrise(restarted.url, 'GET', `/customer_lists/${list.id}`)).status).toBe(404);
      await eventually(async () => (await countRows(collector, 'SELECT count(*) FROM customers WHERE site = $1 AND container = $2', ['shop', list.id])) == 0);
      await eventually(async () => (await countRows(collector, 'SELECT count(*) FROM customer_lists WHERE site = $1 AND id = $2', ['shop', list.id])) == 0);
      expect(await countRows(collector, 'SELECT count(*) FROM loyalty_cards WHERE site = $1 AND list = $2', ['shop', list.id])).toBe(0);
    } finally {
      await restarted.close();
      collector = await startTestCollectorOn(collector);
      url = collector.url;
    }
  });
});

/** A collector on the same database as `previous` (which keeps its disposal). */
async function startTestCollectorOn(previous: TestCollector): Promise<TestCollector> {
  const running = await startCollector({ port: 0, host: '127.0.0.1', db: previous.db, sites: HUBRISE_SITES });
  return { ...previous, ...running, dispose: async () => (await running.close(), previous.dispose()) } as TestCollector;
}

describe('locations, accounts and paging', () => {
  it.each([
    ['a location of another site', '/locations/other-1/customer_lists'],
    ['a location id without a label', '/locations/shop-/customer_lists'],
    ['a label with capitals', '/locations/shop-A/customer_lists'],
    ['a label of 17 characters', `/locations/shop-${'a'.repeat(17)}/customer_lists`],
    ['the site id alone', '/locations/shop/customer_lists'],
    ['another account', '/accounts/other/customer_lists'],
  ])('answers 404 for %s', async (_what, path) => {
    for (const method of ['GET', 'POST']) {
      const answer = await hubrise(url, method, path, method == 'POST' ? { name: unique('Nowhere') } : undefined);
      expect(answer.status).toBe(404);
      expect(answer.body.error_type).toBe('not_found');
    }
  });

  it('pages with count and X-Cursor-Next, in creation order, never repeating or skipping a list', async () => {
    const location = 'shop-paging';
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await ok(url, 'POST', `/locations/${location}/customer_lists`, { name: `Page ${i}` })).id);
    const { rows, pages } = await allPages(url, `/locations/${location}/customer_lists?count=2`, {
      // Lists made while paging come after (they are newer): existing ones keep their place.
      onPage: async (page) => void (page < 2 && (await ok(url, 'POST', `/locations/${location}/customer_lists`, { name: `Late ${page}` }))),
    });
    const ids = (rows as { id: string }[]).map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    const mine = ids.filter((id) => made.includes(id));
    expect(mine).toEqual(made);
    expect(pages.every((size) => size <= 2)).toBe(true);
    expect(pages.length).toBeGreaterThan(4);
  });

  it.each(['count=0', 'count=1001', 'count=abc', 'cursor=', 'cursor=zz', 'colour=red', 'count=2&count=3'])('refuses ?%s with 400', async (query) => {
    const answer = await hubrise(url, 'GET', `/location/customer_lists?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error_type).toBe('bad_request');
  });
});

describe('access and routing', () => {
  it('needs the X-Access-Token of a site (401 without, or with a wrong one)', async () => {
    expect((await hubrise(url, 'GET', '/location/customer_lists', undefined, { token: null })).status).toBe(401);
    expect((await hubrise(url, 'GET', '/location/customer_lists', undefined, { token: 'not_a_token_of_any_site_000' })).status).toBe(401);
  });

  it("never shows a site another site's lists: its ids are 404 there", async () => {
    const mine = await ok(url, 'POST', '/account/customer_lists', { name: unique('Private') });
    const lists = await ok(url, 'GET', '/account/customer_lists', undefined, { token: OTHER_TOKEN });
    expect(lists.map((row: { id: string }) => row.id)).not.toContain(mine.id);
    for (const [method, path, body] of [
      ['GET', `/customer_lists/${mine.id}`],
      ['PATCH', `/customer_lists/${mine.id}`, { name: 'Taken over' }],
      ['DELETE', `/customer_lists/${mine.id}`],
      ['GET', `/customer_lists/${mine.id}/customers`],
      ['POST', `/customer_lists/${mine.id}/customers`, {}],
    ] as const)
      expect((await hubrise(url, method, path, body, { token: OTHER_TOKEN })).status).toBe(404);
    expect((await ok(url, 'GET', `/customer_lists/${mine.id}`)).name).toBe(mine.name);
  });

  it('answers HubRise paths under /v1 too, as HubRise clients send them', async () => {
    const list = await ok(url, 'POST', '/v1/location/customer_lists', { name: unique('Versioned') });
    expect(await ok(url, 'GET', `/v1/customer_lists/${list.id}`)).toEqual(list);
  });

  it('answers 404 for unknown paths, odd ids and unknown lists, and 405 with Allow for a wrong method', async () => {
    expect((await hubrise(url, 'GET', '/customer_lists/nosuch')).status).toBe(404);
    expect((await hubrise(url, 'GET', '/customer_lists/Bad%20Id')).status).toBe(404);
    expect((await hubrise(url, 'GET', `/customer_lists/${'a'.repeat(65)}`)).status).toBe(404);
    expect((await hubrise(url, 'GET', '/customer_lists/default/nothing')).status).toBe(404);
    expect((await hubrise(url, 'GET', '/location/catalogs')).status).toBe(404);
    const wrong = await hubrise(url, 'POST', '/customer_lists/default');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, PATCH, PUT, DELETE');
  });
});
