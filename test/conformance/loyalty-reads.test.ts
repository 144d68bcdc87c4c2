/**
 * The loyalty platform's customer reads (seed 002) over real HTTP: its Bearer credential, the
 * Customer JSON of the seed (names, types, optional fields), 404s, the exact `email` and
 * `phoneNumber` searches, memberships paged by 10, and statistics computed from conversions sent
 * through Rejoiner's REST API. Customers are made the way a shop would: Custobar uploads,
 * Rejoiner's REST API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTHER, SHOP, startTestCollector, type TestCollector } from '../support/collector';

const TOKEN = 'shop_loyalty_token_0123456789abc';
const OTHER_TOKEN = 'other_loyalty_token_0123456789ab';
const SITE = { ...SHOP, token: TOKEN };
const SECOND = { ...OTHER, token: OTHER_TOKEN };
const UNTOKENED = { id: 'untokened', origins: ['https://untokened.example'], key: 'untokened-key', secret: 'untokened-secret' };

/** Answers are checked field by field: loosely typed on purpose. */
type Json = any;

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({ sites: [SITE, SECOND, UNTOKENED] });
});
afterAll(() => collector?.dispose());

// Seed 002's Customer example, verbatim: the reference for names and types.
const SEED_CUSTOMER = JSON.parse(`{
  "createdAt": "2021-10-20T14:51:16Z",
  "dob": "2021-10-20",
  "email": "john@example.com",
  "firstName": "John",
  "gender": "MALE",
  "hasAgreedToMarketing": true,
  "id": "01FCCGYZA9JPQ97HBSTKW0KT7P",
  "lastName": "Smith",
  "phoneNumber": "+61411222333",
  "statistics": {
    "lastPointsEarnedAt": "2021-08-23T02:06:24.000Z",
    "lastPointsRedeemedAt": "2021-03-17T04:27:06.000Z",
    "lastSpentAt": "2021-08-23T02:06:23.000Z",
    "pointsBalance": 3125,
    "totalPointsEarned": 4523,
    "totalPointsRedeemed": 1398,
    "totalSpend": 3687
  },
  "updatedAt": "2021-10-21T18:34:45Z"
}`);
/** The seed's Customer model: id, firstName and lastName are the only fields it does not mark optional. */
const REQUIRED = ['firstName', 'id', 'lastName'];
const SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const MILLISECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function loyalty(path: string, authorization: string | null = `Bearer ${TOKEN}`, site = SITE.id): Promise<{ status: number; body: Json; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (authorization !== null) headers.authorization = authorization;
  const response = await fetch(`${collector.url}/organizations/${site}/${path}`, { headers });
  return { status: response.status, body: await response.json().catch(() => undefined), headers: response.headers };
}

async function upload(customers: unknown[], site: { key: string; token: string } = SITE): Promise<Json[]> {
  const response = await fetch(`${collector.url}/api/customers/upload/`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${site.key}:${site.token}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ customers }),
  });
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  expect(body.failed, JSON.stringify(body)).toBe(0);
  return body.results;
}

async function rejoinerPost(path: string, body: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${collector.url}/api/v2/${SITE.id}/${path}`, {
    method: 'POST',
    headers: { authorization: `Rejoiner ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

let unique = 0;
const person = (label: string) => {
  unique++;
  return { external_id: `${label}-${unique}`, email: `${label}.${unique}@loyalty.example` };
};

describe('credentials: the Bearer token of the site in the path', () => {
  let id: string;
  beforeAll(async () => {
    [{ id }] = await upload([{ ...person('auth'), first_name: 'Zebulon' }]);
  });

  it('answers 401 without a Bearer credential', async () => {
    for (const authorization of [null, `Rejoiner ${TOKEN}`, `Basic ${Buffer.from(`${SITE.key}:${TOKEN}`).toString('base64')}`, 'Bearer', TOKEN]) {
      for (const path of ['customers', `customers/${id}`, `customers/${id}/memberships`]) {
        const answer = await loyalty(path, authorization);
        expect(answer.status, `${authorization} ${path}`).toBe(401);
        expect(JSON.stringify(answer.body), `${authorization} ${path}`).not.toContain('Zebulon');
      }
    }
  });

  it("answers 403 to another site's token, the site's key or secret, a wrong token, and an unknown site alike", async () => {
    const refusals: [string, string][] = [
      [`Bearer ${OTHER_TOKEN}`, SITE.id],
      [`Bearer ${SITE.key}`, SITE.id],
      [`Bearer ${SITE.secret}`, SITE.id],
      [`Bearer ${'x'.repeat(32)}`, SITE.id],
      [`Bearer ${TOKEN}x`, SITE.id],
      [`Bearer ${TOKEN}`, 'no-such-site'],
      [`Bearer ${TOKEN}`, SECOND.id],
      [`Bearer ${TOKEN}`, UNTOKENED.id],
    ];
    const bodies = new Set<string>();
    for (const [authorization, site] of refusals) {
      const answer = await loyalty(`customers/${id}`, authorization, site);
      expect(answer.status, `${authorization} ${site}`).toBe(403);
      bodies.add(JSON.stringify(answer.body));
    }
    // The same answer whatever the reason: it tells nothing about which sites exist.
    expect(bodies.size).toBe(1);
  });

  it('lets each site read only its own customers', async () => {
    const [{ id: otherId }] = await upload([{ ...person('auth-other'), first_name: 'Other' }], SECOND);
    expect((await loyalty(`customers/${otherId}`, `Bearer ${OTHER_TOKEN}`, SECOND.id)).status).toBe(200);
    expect((await loyalty(`customers/${otherId}`)).status).toBe(404);
    const listing = await loyalty('customers', `Bearer ${OTHER_TOKEN}`, SECOND.id);
    expect(listing.body.map((customer: Json) => customer.id)).toEqual([otherId]);
  });

  it('reads only: other methods are refused', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(`${collector.url}/organizations/${SITE.id}/customers/${id}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status, method).toBe(405);
    }
    expect((await loyalty(`customers/${id}`)).status).toBe(200);
  });
});

describe("the seed's Customer JSON", () => {
  it('has exactly the seed example\'s names and types for a customer with every field', async () => {
    const who = person('shape');
    const [{ id }] = await upload([{ ...who, first_name: 'John', last_name: 'Smith', gender: 'Male', birth_date: '2021-10-20', phone_number: '+61411222333', can_email: true }]);
    const { status, body, headers } = await loyalty(`customers/${id}`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(body).sort()).toEqual(Object.keys(SEED_CUSTOMER).sort());
    expect(Object.keys(body.statistics).sort()).toEqual(Object.keys(SEED_CUSTOMER.statistics).sort());
    for (const key of Object.keys(SEED_CUSTOMER)) expect(typeof body[key], key).toBe(typeof SEED_CUSTOMER[key]);
    for (const key of ['pointsBalance', 'totalPointsEarned', 'totalPointsRedeemed', 'totalSpend']) expect(Number.isInteger(body.statistics[key]), key).toBe(true);
    expect(body).toMatchObject({ id, email: who.email, firstName: 'John', lastName: 'Smith', gender: 'MALE', dob: '2021-10-20', phoneNumber: '+61411222333', hasAgreedToMarketing: true });
    expect(body.createdAt).toMatch(SECONDS);
    expect(body.updatedAt).toMatch(SECONDS);
    expect(Math.abs(Date.parse(body.createdAt) - Date.now())).toBeLessThan(5 * 60_000);
    expect(body.statistics).toMatchObject({ pointsBalance: 0, totalPointsEarned: 0, totalPointsRedeemed: 0, totalSpend: 0 });
    // Nothing tracked yet: no date is made up.
    for (const key of ['lastPointsEarnedAt', 'lastPointsRedeemedAt', 'lastSpentAt']) expect([null, undefined], key).toContain(body.statistics[key]);
  });

  it('shows a customer with nothing but an identifier: required fields present, optional ones left out', async () => {
    const [{ id }] = await upload([{ external_id: `bare-${++unique}` }]);
    const { body } = await loyalty(`customers/${id}`);
    for (const key of REQUIRED) expect(typeof body[key], key).toBe('string');
    expect(body).toMatchObject({ id, firstName: '', lastName: '' });
    for (const key of ['dob', 'email', 'gender', 'hasAgreedToMarketing', 'phoneNumber']) expect(body[key] ?? null, key).toBeNull();
    for (const key of Object.keys(body)) expect(Object.keys(SEED_CUSTOMER), key).toContain(key);
  });

  it('is the same object in the listing, the email search and the single read', async () => {
    const who = person('same');
    const [{ id }] = await upload([{ ...who, first_name: 'Same', gender: 'female', can_email: false }]);
    const single = (await loyalty(`customers/${id}`)).body;
    const [byEmail] = (await loyalty(`customers?email=${encodeURIComponent(who.email)}`)).body;
    expect(byEmail).toEqual(single);
    expect(single).toMatchObject({ gender: 'FEMALE', hasAgreedToMarketing: false });
  });

  it('moves updatedAt on a change and keeps createdAt', async () => {
    const who = person('updated');
    const [{ id }] = await upload([{ ...who, first_name: 'Before' }]);
    const before = (await loyalty(`customers/${id}`)).body;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await upload([{ external_id: who.external_id, first_name: 'After' }]);
    const after = (await loyalty(`customers/${id}`)).body;
    expect(after.firstName).toBe('After');
    expect(after.createdAt).toBe(before.createdAt);
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
  });

  it('answers 404 for an unknown id, an id of nothing at all, and for memberships of either', async () => {
    for (const id of ['0123456789abcdef01234567', 'nope', '01FCCGYZA9JPQ97HBSTKW0KT7P', '%2e%2e', "x'or'1'='1"]) {
      expect((await loyalty(`customers/${id}`)).status, id).toBe(404);
      expect((await loyalty(`customers/${id}/memberships`)).status, id).toBe(404);
    }
  });

  it('answers 404 for deleted and forgotten customers, and leaves them out of the listing', async () => {
    const deleted = person('gone-deleted');
    const forgotten = person('gone-forgotten');
    const [{ id: deletedId }, { id: forgottenId }] = await upload([{ ...deleted }, { ...forgotten }]);
    await upload([{ external_id: deleted.external_id, is_deleted: true }, { external_id: forgotten.external_id, is_forgotten: true }]);
    for (const id of [deletedId, forgottenId]) {
      expect((await loyalty(`customers/${id}`)).status, id).toBe(404);
      expect((await loyalty(`customers/${id}/memberships`)).status, id).toBe(404);
    }
    const ids = (await loyalty('customers')).body.map((customer: Json) => customer.id);
    expect(ids).not.toContain(deletedId);
    expect(ids).not.toContain(forgottenId);
  });
});

describe('searching: exact email, phone number in any format', () => {
  it('finds the one customer of an email, exactly, whatever its case', async () => {
    const who = person('search');
    const [{ id }] = await upload([{ ...who }, { ...person('search-prefix'), email: `x${who.email}` }]);
    for (const email of [who.email, who.email.toUpperCase(), ` ${who.email}`]) {
      const answer = await loyalty(`customers?email=${encodeURIComponent(email)}`);
      expect(answer.status, email).toBe(200);
      expect(answer.body.map((customer: Json) => customer.id), email).toEqual([id]);
      expect(answer.headers.get('x-next-page')).toBeNull();
    }
    // Exact: no prefix, suffix or pattern matches.
    for (const email of [`${who.email}x`, who.email.replace('@', '%@'), `%${who.email.slice(1)}`, `_${who.email.slice(1)}`]) {
      const answer = await loyalty(`customers?email=${encodeURIComponent(email)}`);
      expect([200, 400], email).toContain(answer.status);
      if (answer.status == 200) expect(answer.body, email).toEqual([]);
    }
    expect((await loyalty(`customers?email=${encodeURIComponent('nobody.at.all@loyalty.example')}`)).body).toEqual([]);
  });

  it('finds an email with a plus sign sent percent-encoded', async () => {
    const email = `plus+tag.${++unique}@loyalty.example`;
    const [{ id }] = await upload([{ email }]);
    expect((await loyalty(`customers?email=${encodeURIComponent(email)}`)).body.map((customer: Json) => customer.id)).toEqual([id]);
  });

  it('finds every customer of a phone number, in any format with the same digits', async () => {
    const [{ id: a }, { id: b }] = await upload([
      { ...person('phone-a'), phone_number: '+61411999333' },
      { ...person('phone-b'), phone_number: '+61 411 999 333' },
      { ...person('phone-c'), phone_number: '+61411999334' },
    ]);
    for (const phone of ['+61411999333', '+61 411 999 333', '+61-411-999-333', '0061411999333', '+61 (411) 999.333']) {
      const answer = await loyalty(`customers?phoneNumber=${encodeURIComponent(phone)}`);
      expect(answer.status, phone).toBe(200);
      expect(answer.body.map((customer: Json) => customer.id).sort(), phone).toEqual([a, b].sort());
    }
    // Without the country code it is another number.
    expect((await loyalty(`customers?phoneNumber=${encodeURIComponent('0411999333')}`)).body).toEqual([]);
  });

  it('refuses a malformed search, sort or after with 400', async () => {
    const bad = [
      'email=not-an-email',
      'email=',
      'phoneNumber=abc',
      'phoneNumber=12',
      'phoneNumber=',
      'sort=name',
      'sort=',
      'sort=CREATED',
      'after=garbage!',
      'after=',
      `after=${'A'.repeat(5000)}`,
      `after=${Buffer.from('created\u0000notanumber\u0000id').toString('base64url')}`,
      `after=${Buffer.from('list\u0000x').toString('base64url')}`,
    ];
    for (const query of bad) {
      const answer = await loyalty(`customers?${query}`);
      expect(answer.status, query).toBe(400);
      expect(typeof answer.body?.error, query).toBe('string');
    }
  });
});

describe('memberships: mailing lists, paged by 10', () => {
  it('pages 25 lists as 10, 10 and 5 with X-Next-Page and Link, each list once, in a stable order', async () => {
    const who = person('member');
    const lists = Array.from({ length: 25 }, (_, index) => `loyal-${unique}-${String(index).padStart(2, '0')}`);
    const [{ id }] = await upload([{ ...who, mailing_lists: lists }]);
    const seen: Json[] = [];
    const sizes: number[] = [];
    let path = `customers/${id}/memberships`;
    for (let page = 0; page < 10; page++) {
      const answer = await loyalty(path);
      expect(answer.status).toBe(200);
      seen.push(...answer.body);
      sizes.push(answer.body.length);
      const next = answer.headers.get('x-next-page');
      const link = answer.headers.get('link');
      if (!next) {
        expect(link).toBeNull();
        break;
      }
      expect(link).toBe(`<${collector.url}/organizations/${SITE.id}/customers/${id}/memberships?after=${encodeURIComponent(next)}>; rel="next"`);
      path = `customers/${id}/memberships?after=${encodeURIComponent(next)}`;
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen.map((list) => list.id).sort()).toEqual(lists.slice().sort());
    for (const list of seen) expect(Object.keys(list).sort()).toEqual(['id', 'name']);
    // Following the Link header gives the same second page.
    const first = await loyalty(`customers/${id}/memberships`);
    const link = /^<([^>]+)>; rel="next"$/.exec(first.headers.get('link')!)![1];
    const viaLink = await fetch(link, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect((await viaLink.json()).map((list: Json) => list.id)).toEqual(seen.slice(10, 20).map((list) => list.id));
  });

  it('shows a list made through Rejoiner\'s REST API with its name, and a customer in no list with []', async () => {
    const who = person('member-named');
    const [{ id }] = await upload([{ ...who }]);
    expect((await loyalty(`customers/${id}/memberships`)).body).toEqual([]);
    const made = await rejoinerPost('lists/', { name: 'Loyal Customers' });
    expect(made.status).toBe(201);
    const added = await rejoinerPost(`lists/${encodeURIComponent(made.body.id)}/contacts/`, { email: who.email });
    expect([200, 201]).toContain(added.status);
    expect((await loyalty(`customers/${id}/memberships`)).body).toEqual([{ id: made.body.id, name: 'Loyal Customers' }]);
  });

  it('refuses an after that is not a memberships page with 400', async () => {
    const [{ id }] = await upload([{ ...person('member-after') }]);
    for (const after of ['garbage!', Buffer.from('created\u00001\u0000x').toString('base64url')]) {
      expect((await loyalty(`customers/${id}/memberships?after=${encodeURIComponent(after)}`)).status, after).toBe(400);
    }
  });
});

describe('statistics from the conversions', () => {
  const convert = (email: string, cents: number, path = 'customer/convert/') => rejoinerPost(path, { email, cart_data: { cart_value: cents } });

  it('sums every conversion of the customer into totalSpend (cents) and dates lastSpentAt', async () => {
    const who = person('spender');
    const [{ id }] = await upload([{ ...who, first_name: 'Spender' }]);
    const started = Date.now();
    for (const cents of [1250, 2500, 249]) {
      const answer = await convert(who.email, cents);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    }
    // Someone else's conversion counts for them only.
    const other = person('other-spender');
    await upload([{ ...other }]);
    await convert(other.email, 100_000);
    const { body } = await loyalty(`customers/${id}`);
    expect(body.statistics.totalSpend).toBe(3999);
    expect(body.statistics.lastSpentAt).toMatch(MILLISECONDS);
    const last = Date.parse(body.statistics.lastSpentAt);
    expect(last).toBeGreaterThanOrEqual(started - 1000);
    expect(last).toBeLessThanOrEqual(Date.now() + 1000);
    const [listed] = (await loyalty(`customers?email=${encodeURIComponent(who.email)}`)).body;
    expect(listed.statistics).toEqual(body.statistics);
    expect((await loyalty(`customers?email=${encodeURIComponent(other.email)}`)).body[0].statistics.totalSpend).toBe(100_000);
  });

  it('counts conversions made before the customer was imported, on the customer the import finds', async () => {
    const who = person('early-spender');
    expect((await convert(who.email, 700)).status).toBe(200);
    expect((await convert(who.email, 300, 'customer/always_convert/')).status).toBe(200);
    const [result] = await upload([{ ...who, first_name: 'Early' }]);
    expect(result.status).toBe('updated');
    const { body } = await loyalty(`customers/${result.id}`);
    expect(body).toMatchObject({ firstName: 'Early', statistics: { totalSpend: 1000 } });
    expect(body.statistics.lastSpentAt).toMatch(MILLISECONDS);
  });

  it('keeps lastSpentAt at the newest conversion', async () => {
    const who = person('dated-spender');
    const [{ id }] = await upload([{ ...who }]);
    await convert(who.email, 100);
    const first = (await loyalty(`customers/${id}`)).body.statistics.lastSpentAt;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await convert(who.email, 100);
    const second = (await loyalty(`customers/${id}`)).body.statistics.lastSpentAt;
    expect(Date.parse(second)).toBeGreaterThan(Date.parse(first));
    expect((await loyalty(`customers/${id}`)).body.statistics.totalSpend).toBe(200);
  });
});
