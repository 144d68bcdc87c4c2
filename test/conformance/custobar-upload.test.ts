/**
 * Custobar's customer upload (seed 001) as a Custobar sync would use it against the collector:
 * `POST /api/customers/upload/` with HTTP Basic (the site's key and token), the seed's own JSON
 * bodies verbatim, and every effect read back the way a client can read it: Rejoiner's REST API
 * (`customers/by_email/`, `lists/`), the loyalty platform's reads (`/organizations/{site}/…`) and
 * the dashboard's snapshot for the consent flags no API shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBody, exportAll, makeEvent, OTHER, postBeacon, readInspectorSnapshot, SHOP, startTestCollector, type TestCollector } from '../support/collector';

const TOKEN = 'shop_custobar_token_0123456789ab';
const OTHER_TOKEN = 'other_custobar_token_0123456789a';
const SITE = { ...SHOP, token: TOKEN, timezone: 'Europe/Helsinki' };
const SECOND = { ...OTHER, token: OTHER_TOKEN };
/** A site without a token accepts only signed requests: no Custobar credential can open it. */
const UNTOKENED = { id: 'untokened', origins: ['https://untokened.example'], key: 'untokened-key', secret: 'untokened-secret' };

/** Answers are checked field by field: loosely typed on purpose. */
type Json = any;

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({ sites: [SITE, SECOND, UNTOKENED] });
});
afterAll(() => collector?.dispose());

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const SHOP_AUTH = basic(SITE.key, TOKEN);

/** POSTs a raw body to the upload endpoint. */
async function uploadRaw(body: string, { authorization = SHOP_AUTH as string | null, path = '/api/customers/upload/' } = {}): Promise<{ status: number; body: Json; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== null) headers.authorization = authorization;
  const response = await fetch(collector.url + path, { method: 'POST', headers, body });
  const text = await response.text();
  let parsed: Json = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // kept as text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

const upload = (customers: unknown[], authorization: string = SHOP_AUTH) => uploadRaw(JSON.stringify({ customers }), { authorization });

/** Uploads and insists that every record was stored; resolves the record results. */
async function uploadOk(customers: unknown[], authorization: string = SHOP_AUTH): Promise<Json[]> {
  const answer = await upload(customers, authorization);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.failed, JSON.stringify(answer.body)).toBe(0);
  return answer.body.results;
}

/** Rejoiner2 (bearer) read of the shop. */
async function rejoiner(path: string, token = TOKEN, site = SITE.id): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${collector.url}/api/v2/${site}/${path}`, { headers: { authorization: `Rejoiner ${token}` } });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}
const byEmail = (email: string, token = TOKEN, site = SITE.id) => rejoiner(`customers/by_email/?email=${encodeURIComponent(email)}`, token, site);

/** The loyalty platform's read of the shop. */
async function loyalty(path: string, token = TOKEN, site = SITE.id): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(`${collector.url}/organizations/${site}/${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json().catch(() => undefined), headers: response.headers };
}
const loyaltyByEmail = async (email: string, token = TOKEN, site = SITE.id): Promise<Json[]> => {
  const answer = await loyalty(`customers?email=${encodeURIComponent(email)}`, token, site);
  expect(answer.status).toBe(200);
  return answer.body;
};

/** The dashboard's view of a customer (consent of every channel, status): logs in with the site's token. */
async function dashboardCustomer(id: string): Promise<Json> {
  const login = await fetch(`${collector.url}/inspector/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: TOKEN }).toString(),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0];
  const snapshot = await readInspectorSnapshot(collector.url, '', { cookie });
  return snapshot.customers.find((customer) => customer.id == id);
}

/** Every mailing list of the shop (Rejoiner's `lists/`), by id. */
async function listIds(): Promise<string[]> {
  const ids: string[] = [];
  for (let page = 1; ; page++) {
    const answer = await rejoiner(`lists/?page=${page}&page_size=500`);
    expect(answer.status).toBe(200);
    ids.push(...answer.body.results.map((list: Json) => list.id));
    if (!answer.body.next) return ids;
  }
}
const contactEmails = async (list: string): Promise<string[]> => {
  const answer = await rejoiner(`lists/${encodeURIComponent(list)}/contacts/?page_size=500`);
  expect(answer.status).toBe(200);
  return answer.body.results.map((contact: Json) => contact.email).sort();
};
const membershipIds = async (id: string): Promise<string[]> => {
  const answer = await loyalty(`customers/${id}/memberships`);
  expect(answer.status).toBe(200);
  return answer.body.map((list: Json) => list.id).sort();
};

let unique = 0;
/** A fresh external id and email for one test. */
const person = (label: string) => {
  unique++;
  return { external_id: `${label}-${unique}`, email: `${label}.${unique}@custobar.example` };
};

// Seed 001, verbatim: the upload example and the .add/.remove example.
const SEED_UPLOAD = `{
"customers": [
{
"external_id": "3619490226",
"first_name": "James",
"last_name": "Carroll",
"email": "james.carroll@example.org",
"can_email": true,
"phone_number": "+447757138957",
"can_sms": true,
"date_joined": "2015-11-23T13:11:23Z",
"last_login": "2015-11-25T13:11:23Z",
"language": "EN",
"tags": ["kitchenware", "vip"],
"COMPANY__customer_group": 1
},
{
"external_id": "2319490132",
"first_name": "Joshua",
"last_name": "Stewart",
"email": "josh@example.org",
"street_address": "42 Red Lane",
"date_joined": "2015-06-03T13:11:23Z",
"last_login": "2017-10-15T03:01:13Z",
"zip_code": "OX15 3PW",
"city": "Epwell",
"can_sms": false,
"country": "GB",
"language": "EN",
"COMPANY__customer_group": 2
}
]
}`;
const SEED_ADD_REMOVE = `{
"customers": [
{
"external_id": "3619490226",
"first_name": "James",
"last_name": "Carroll",
"email": "james.carroll@example.org",
"can_email": true,
"tags.add": ["vip"],
"mailing_lists.remove": ["kitchenware"]
}
]
}`;

describe('credentials: HTTP Basic with the site key and token', () => {
  it('answers 401 with a Basic challenge without a credential or with a wrong one, and stores nothing', async () => {
    const body = JSON.stringify({ customers: [{ external_id: 'auth-probe-1', email: 'auth.probe@custobar.example' }] });
    const refusals = [
      null,
      `Bearer ${TOKEN}`,
      `Rejoiner ${TOKEN}`,
      basic(SITE.key, 'x'.repeat(30)),
      basic(SITE.key, OTHER_TOKEN), // the shop's key with another site's token
      basic(SECOND.key, TOKEN),
      basic(TOKEN, SITE.key), // swapped
      basic(SITE.key, SITE.secret), // the signing secret is no Custobar password
      basic(UNTOKENED.key, UNTOKENED.secret),
      basic(SITE.key, ''),
      `Basic ${Buffer.from(`${SITE.key}${TOKEN}`).toString('base64')}`, // no colon
      'Basic !!!not-base64!!!',
    ];
    for (const authorization of refusals) {
      const answer = await uploadRaw(body, { authorization });
      expect(answer.status, String(authorization)).toBe(401);
      expect(answer.headers.get('www-authenticate'), String(authorization)).toMatch(/^Basic /);
    }
    expect((await byEmail('auth.probe@custobar.example')).status).toBe(404);
    expect(await loyaltyByEmail('auth.probe@custobar.example')).toEqual([]);
  });

  it("writes to the site whose key and token it carries, and to no other", async () => {
    const results = await uploadOk([{ external_id: 'second-site-1', email: 'second.site@custobar.example', first_name: 'Secunda' }], basic(SECOND.key, OTHER_TOKEN));
    expect(results[0].status).toBe('created');
    expect((await byEmail('second.site@custobar.example', OTHER_TOKEN, SECOND.id)).body.first_name).toBe('Secunda');
    expect((await byEmail('second.site@custobar.example')).status).toBe(404);
    expect(await loyaltyByEmail('second.site@custobar.example')).toEqual([]);
  });

  it('takes the path with or without its trailing slash, and only POST', async () => {
    const answer = await uploadRaw(JSON.stringify({ customers: [{ external_id: 'no-slash-1', first_name: 'Slashless' }] }), { path: '/api/customers/upload' });
    expect(answer.status).toBe(200);
    expect(answer.body.results[0].status).toBe('created');
    const get = await fetch(`${collector.url}/api/customers/upload/`, { headers: { authorization: SHOP_AUTH } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toContain('POST');
  });
});

describe('the body', () => {
  it('must be {"customers": [...]}: anything else is a 400 with a reason', async () => {
    const bodies = ['', 'nope', '[]', '{}', '{"customers": {}}', '{"customers": "x"}', '{"customers": null}', '{"customers": [], "extra": 1}', '{"customer": []}'];
    for (const body of bodies) {
      const answer = await uploadRaw(body);
      expect(answer.status, body).toBe(400);
      expect(typeof answer.body.error, body).toBe('string');
    }
  });

  it('takes an empty list', async () => {
    const answer = await uploadRaw('{"customers": []}');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ response: 'ok', created: 0, updated: 0, deleted: 0, forgotten: 0, failed: 0, results: [] });
  });

  it('refuses more than 1000 records with 413 and stores none of them', async () => {
    const customers = Array.from({ length: 1001 }, (_, index) => ({ external_id: `too-many-${index}`, email: `too.many.${index}@custobar.example` }));
    const answer = await upload(customers);
    expect(answer.status).toBe(413);
    for (const index of [0, 500, 1000]) expect(await loyaltyByEmail(`too.many.${index}@custobar.example`)).toEqual([]);
  });
});

describe("seed 001's examples, verbatim", () => {
  let james: string;
  let joshua: string;

  it('stores the upload example: two customers created, each with its id', async () => {
    const answer = await uploadRaw(SEED_UPLOAD);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ response: 'ok', created: 2, updated: 0, deleted: 0, forgotten: 0, failed: 0 });
    expect(answer.body.results).toEqual([
      { index: 0, id: expect.any(String), status: 'created' },
      { index: 1, id: expect.any(String), status: 'created' },
    ]);
    [james, joshua] = answer.body.results.map((result: Json) => result.id);
    expect(james).not.toBe(joshua);
  });

  it("reads James Carroll back through Rejoiner's REST API", async () => {
    const { status, body } = await byEmail('james.carroll@example.org');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: james,
      email: 'james.carroll@example.org',
      first_name: 'James',
      last_name: 'Carroll',
      phone: '+447757138957',
      language: 'en',
      is_unsubscribed: false,
      metadata: { COMPANY__customer_group: 1 },
    });
    expect([...body.tags].sort()).toEqual(['kitchenware', 'vip']);
    // Tags are tags, not mailing lists.
    expect(await listIds()).not.toContain('kitchenware');
  });

  it("reads Joshua Stewart back through Rejoiner's REST API, under the model's field names", async () => {
    const { status, body } = await byEmail('josh@example.org');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: joshua,
      email: 'josh@example.org',
      first_name: 'Joshua',
      last_name: 'Stewart',
      address1: '42 Red Lane',
      postal_code: 'OX15 3PW',
      city: 'Epwell',
      country: 'GB',
      language: 'en',
      tags: [],
      is_unsubscribed: false,
      metadata: { COMPANY__customer_group: 2 },
    });
  });

  it("reads both back through the loyalty platform's reads", async () => {
    const [jamesRead] = await loyaltyByEmail('james.carroll@example.org');
    expect(jamesRead).toMatchObject({ id: james, email: 'james.carroll@example.org', firstName: 'James', lastName: 'Carroll', phoneNumber: '+447757138957', hasAgreedToMarketing: true });
    const single = await loyalty(`customers/${joshua}`);
    expect(single.status).toBe(200);
    expect(single.body).toMatchObject({ id: joshua, email: 'josh@example.org', firstName: 'Joshua', lastName: 'Stewart' });
    // Joshua never gave an email permission: unknown, so left out (not false).
    expect(single.body).not.toHaveProperty('hasAgreedToMarketing');
    const byPhone = await loyalty(`customers?phoneNumber=${encodeURIComponent('+447757138957')}`);
    expect(byPhone.body.map((customer: Json) => customer.id)).toEqual([james]);
  });

  it('keeps can_email and can_sms as consent given by Custobar; what was not sent stays unknown', async () => {
    const jamesView = await dashboardCustomer(james);
    expect(jamesView.consent.email).toMatchObject({ state: 'granted', source: 'custobar' });
    expect(jamesView.consent.sms).toMatchObject({ state: 'granted', source: 'custobar' });
    for (const channel of ['post', 'push', 'profiling']) expect(jamesView.consent[channel], channel).toBeUndefined();
    const joshuaView = await dashboardCustomer(joshua);
    expect(joshuaView.consent.sms).toMatchObject({ state: 'refused', source: 'custobar' });
    for (const channel of ['email', 'post', 'push', 'profiling']) expect(joshuaView.consent[channel], channel).toBeUndefined();
  });

  it('updates, never duplicates, on the same upload a second time', async () => {
    const answer = await uploadRaw(SEED_UPLOAD);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ response: 'ok', created: 0, updated: 2, failed: 0 });
    expect(answer.body.results.map((result: Json) => result.id)).toEqual([james, joshua]);
    expect((await loyaltyByEmail('james.carroll@example.org')).length).toBe(1);
    expect((await byEmail('josh@example.org')).body.metadata).toEqual({ COMPANY__customer_group: 2 });
  });

  it('applies the .add/.remove example: vip kept once, the kitchenware mailing list left, the tag kept', async () => {
    await uploadOk([{ external_id: '3619490226', mailing_lists: ['kitchenware', 'offers'] }]);
    expect(await membershipIds(james)).toEqual(['kitchenware', 'offers']);
    expect(await contactEmails('kitchenware')).toEqual(['james.carroll@example.org']);

    const answer = await uploadRaw(SEED_ADD_REMOVE);
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([{ index: 0, id: james, status: 'updated' }]);
    expect(await membershipIds(james)).toEqual(['offers']);
    expect(await contactEmails('kitchenware')).toEqual([]);
    // Leaving a list removes a membership, never the list or the customer.
    expect(await listIds()).toEqual(expect.arrayContaining(['kitchenware', 'offers']));
    const { body } = await byEmail('james.carroll@example.org');
    expect([...body.tags].sort()).toEqual(['kitchenware', 'vip']);
    // What the example did not name is left as it was.
    expect(body).toMatchObject({ phone: '+447757138957', language: 'en', metadata: { COMPANY__customer_group: 1 } });
  });

  it('applies the .add/.remove example to a customer nobody knew: created with the tag, no list made', async () => {
    const answer = await uploadRaw(SEED_ADD_REMOVE, { authorization: basic(SECOND.key, OTHER_TOKEN) });
    expect(answer.status).toBe(200);
    expect(answer.body.results[0].status).toBe('created');
    const { body } = await byEmail('james.carroll@example.org', OTHER_TOKEN, SECOND.id);
    expect(body).toMatchObject({ first_name: 'James', last_name: 'Carroll', tags: ['vip'] });
    const lists = await rejoiner('lists/', OTHER_TOKEN, SECOND.id);
    expect(lists.body.results.map((list: Json) => list.id)).not.toContain('kitchenware');
  });
});

describe('merge: only supplied keys change', () => {
  const FULL = {
    first_name: 'Mervi',
    last_name: 'Merge',
    phone_number: '+358401230001',
    street_address: 'Mannerheimintie 1',
    zip_code: '00100',
    city: 'Helsinki',
    province: 'Uusimaa',
    country: 'fi',
    language: 'FI',
    gender: 'female',
    birth_date: '1991-06-14',
    can_email: true,
    tags: ['a', 'b'],
    COMPANY__level: 'gold',
    COMPANY__points: 12,
  };

  it('keeps every earlier key when a later import names only some', async () => {
    const who = person('merge');
    const [created] = await uploadOk([{ ...who, ...FULL }]);
    const [updated] = await uploadOk([{ external_id: who.external_id, city: 'Espoo' }]);
    expect(updated).toEqual({ index: 0, id: created.id, status: 'updated' });
    const { body } = await byEmail(who.email);
    expect(body).toMatchObject({
      first_name: 'Mervi',
      last_name: 'Merge',
      phone: '+358401230001',
      address1: 'Mannerheimintie 1',
      postal_code: '00100',
      city: 'Espoo',
      state: 'Uusimaa',
      country: 'FI',
      language: 'fi',
      gender: 'f',
      birthdate: '1991-06-14',
      tags: ['a', 'b'],
      is_unsubscribed: false,
      metadata: { COMPANY__level: 'gold', COMPANY__points: 12 },
    });
    const [read] = await loyaltyByEmail(who.email);
    expect(read).toMatchObject({ dob: '1991-06-14', gender: 'FEMALE', hasAgreedToMarketing: true, phoneNumber: '+358401230001' });
  });

  it('finds the customer by email as well as by external_id', async () => {
    const who = person('merge-email');
    const [created] = await uploadOk([{ ...who, first_name: 'Emma' }]);
    const [updated] = await uploadOk([{ email: who.email, last_name: 'Email' }]);
    expect(updated.id).toBe(created.id);
    // Emails are found whatever their case.
    const [again] = await uploadOk([{ email: who.email.toUpperCase(), city: 'Turku' }]);
    expect(again.id).toBe(created.id);
    expect((await byEmail(who.email)).body).toMatchObject({ first_name: 'Emma', last_name: 'Email', city: 'Turku' });
    expect((await loyaltyByEmail(who.email)).length).toBe(1);
  });

  // "" removes the key: [Custobar field, what the REST API shows after removal, field of the REST answer].
  const REMOVALS: [string, string, unknown][] = [
    ['first_name', 'first_name', ''],
    ['last_name', 'last_name', ''],
    ['street_address', 'address1', ''],
    ['zip_code', 'postal_code', ''],
    ['city', 'city', ''],
    ['province', 'state', ''],
    ['country', 'country', ''],
    ['language', 'language', ''],
    ['gender', 'gender', ''],
    ['birth_date', 'birthdate', null],
    ['phone_number', 'phone', ''],
  ];
  it.each(REMOVALS)('"" removes %s (REST %s) and leaves the rest', async (field, restField, removed) => {
    const who = person(`remove-${field.replace(/_/g, '-')}`);
    await uploadOk([{ ...who, ...FULL }]);
    const before = (await byEmail(who.email)).body;
    expect(before[restField]).not.toEqual(removed);
    await uploadOk([{ external_id: who.external_id, [field]: '' }]);
    const after = (await byEmail(who.email)).body;
    expect(after[restField]).toEqual(removed);
    for (const [, other] of REMOVALS) if (other != restField) expect(after[other], other).toEqual(before[other]);
    expect(after.metadata).toEqual(before.metadata);
    expect(after.tags).toEqual(before.tags);
  });

  it('"" removes the loyalty fields too: dob, gender, phoneNumber and hasAgreedToMarketing are left out again', async () => {
    const who = person('remove-loyalty');
    await uploadOk([{ ...who, ...FULL }]);
    await uploadOk([{ external_id: who.external_id, birth_date: '', gender: '', phone_number: '', can_email: '', first_name: '' }]);
    const [read] = await loyaltyByEmail(who.email);
    for (const key of ['dob', 'gender', 'phoneNumber', 'hasAgreedToMarketing']) expect(read, key).not.toHaveProperty(key);
    expect(read.firstName).toBe('');
    expect(read.lastName).toBe('Merge');
  });

  it('"" removes a company field, and only that one', async () => {
    const who = person('remove-company');
    await uploadOk([{ ...who, ...FULL }]);
    await uploadOk([{ external_id: who.external_id, COMPANY__level: '' }]);
    expect((await byEmail(who.email)).body.metadata).toEqual({ COMPANY__points: 12 });
  });

  it('"" removes the email: the customer is no longer found by it, still by external_id', async () => {
    const who = person('remove-email');
    const [created] = await uploadOk([{ ...who, first_name: 'Noemail' }]);
    const [updated] = await uploadOk([{ external_id: who.external_id, email: '' }]);
    expect(updated.id).toBe(created.id);
    expect((await byEmail(who.email)).status).toBe(404);
    expect(await loyaltyByEmail(who.email)).toEqual([]);
    const read = await loyalty(`customers/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('email');
    expect(read.body.firstName).toBe('Noemail');
    // The address is free: a new import of it is a new customer.
    const [fresh] = await uploadOk([{ email: who.email }]);
    expect(fresh.status).toBe('created');
    expect(fresh.id).not.toBe(created.id);
  });

  it('"" removes the external_id: the email still finds the customer, the old id makes a new one', async () => {
    const who = person('remove-external');
    const [created] = await uploadOk([{ ...who, first_name: 'Noexternal' }]);
    const [updated] = await uploadOk([{ email: who.email, external_id: '' }]);
    expect(updated).toMatchObject({ id: created.id, status: 'updated' });
    const [again] = await uploadOk([{ external_id: who.external_id, first_name: 'Someone else' }]);
    expect(again.status).toBe('created');
    expect(again.id).not.toBe(created.id);
    expect((await byEmail(who.email)).body.first_name).toBe('Noexternal');
  });

  it('"" removes the phone number: the loyalty phone search no longer finds the customer', async () => {
    const who = person('remove-phone');
    const [created] = await uploadOk([{ ...who, phone_number: '+358401230077' }]);
    expect((await loyalty(`customers?phoneNumber=${encodeURIComponent('+358401230077')}`)).body.map((c: Json) => c.id)).toEqual([created.id]);
    await uploadOk([{ external_id: who.external_id, phone_number: '' }]);
    expect((await loyalty(`customers?phoneNumber=${encodeURIComponent('+358401230077')}`)).body).toEqual([]);
    expect((await rejoiner(`customers/by_phone/?phone=${encodeURIComponent('+358401230077')}`)).status).toBe(404);
  });
});

describe('field values', () => {
  // [Custobar field, value sent, REST field, REST value, loyalty field, loyalty value]
  const VALUES: [string, unknown, string, unknown, string | null, unknown][] = [
    ['gender', 'Male', 'gender', 'm', 'gender', 'MALE'],
    ['gender', 'female', 'gender', 'f', 'gender', 'FEMALE'],
    ['gender', 'FEMALE', 'gender', 'f', 'gender', 'FEMALE'],
    ['gender', 'other', 'gender', 'other', 'gender', 'OTHER'],
    ['language', 'SV', 'language', 'sv', null, null],
    ['language', 'sv', 'language', 'sv', null, null],
    ['country', 'se', 'country', 'SE', null, null],
    ['birth_date', '1991-06-14', 'birthdate', '1991-06-14', 'dob', '1991-06-14'],
    ['first_name', 'Åsa-Öljä 李', 'first_name', 'Åsa-Öljä 李', 'firstName', 'Åsa-Öljä 李'],
    ['province', 'Skåne', 'state', 'Skåne', null, null],
  ];
  it.each(VALUES)('%s %j is shown by REST as %s %j', async (field, value, restField, restValue, loyaltyField, loyaltyValue) => {
    const who = person('value');
    await uploadOk([{ ...who, [field]: value }]);
    expect((await byEmail(who.email)).body[restField]).toEqual(restValue);
    if (loyaltyField) expect((await loyaltyByEmail(who.email))[0][loyaltyField]).toEqual(loyaltyValue);
  });
});

describe('tags and mailing lists', () => {
  const tagsOf = async (email: string): Promise<string[]> => [...(await byEmail(email)).body.tags].sort();

  it('tags replace the set; tags.add and tags.remove change it; a string is a one-element list; "" empties it', async () => {
    const who = person('tags');
    await uploadOk([{ ...who, tags: ['a', 'b', 'c'] }]);
    expect(await tagsOf(who.email)).toEqual(['a', 'b', 'c']);
    await uploadOk([{ external_id: who.external_id, tags: ['c', 'd'] }]);
    expect(await tagsOf(who.email)).toEqual(['c', 'd']);
    await uploadOk([{ external_id: who.external_id, 'tags.add': ['e', 'c'] }]);
    expect(await tagsOf(who.email)).toEqual(['c', 'd', 'e']);
    await uploadOk([{ external_id: who.external_id, 'tags.remove': ['d', 'not-there'] }]);
    expect(await tagsOf(who.email)).toEqual(['c', 'e']);
    await uploadOk([{ external_id: who.external_id, 'tags.add': 'f' }]);
    expect(await tagsOf(who.email)).toEqual(['c', 'e', 'f']);
    await uploadOk([{ external_id: who.external_id, 'tags.remove': 'c' }]);
    expect(await tagsOf(who.email)).toEqual(['e', 'f']);
    await uploadOk([{ external_id: who.external_id, tags: 'solo' }]);
    expect(await tagsOf(who.email)).toEqual(['solo']);
    await uploadOk([{ external_id: who.external_id, first_name: 'Untagged change' }]);
    expect(await tagsOf(who.email)).toEqual(['solo']);
    await uploadOk([{ external_id: who.external_id, tags: '' }]);
    expect(await tagsOf(who.email)).toEqual([]);
    // Rejoiner's tag API sees the same set.
    await uploadOk([{ external_id: who.external_id, tags: ['x', 'y'] }]);
    const id = (await byEmail(who.email)).body.id;
    expect([...(await rejoiner(`customers/${id}/tags/`)).body.tags].sort()).toEqual(['x', 'y']);
  });

  it("mailing_lists are Rejoiner's lists: made when missing, named after their id, with the customer as contact", async () => {
    const who = person('lists');
    const listA = `cb-news-${unique}`;
    const listB = `cb-offers-${unique}`;
    const [created] = await uploadOk([{ ...who, mailing_lists: [listA, listB] }]);
    const lists = await rejoiner('lists/?page_size=500');
    const made = lists.body.results.filter((list: Json) => list.id == listA || list.id == listB);
    expect(made.map((list: Json) => [list.id, list.name]).sort()).toEqual([[listA, listA], [listB, listB]]);
    expect(await contactEmails(listA)).toEqual([who.email]);
    expect(await membershipIds(created.id)).toEqual([listA, listB].sort());
  });

  it('mailing_lists replace the set; .add and .remove change it; a string counts; "" leaves every list; no customer or list is deleted', async () => {
    const who = person('lists-change');
    const [l1, l2, l3, l4] = [1, 2, 3, 4].map((n) => `cb-l${n}-${unique}`);
    const [created] = await uploadOk([{ ...who, mailing_lists: [l1, l2] }]);
    await uploadOk([{ external_id: who.external_id, mailing_lists: [l2, l3] }]);
    expect(await membershipIds(created.id)).toEqual([l2, l3].sort());
    await uploadOk([{ external_id: who.external_id, 'mailing_lists.add': l4 }]);
    expect(await membershipIds(created.id)).toEqual([l2, l3, l4].sort());
    await uploadOk([{ external_id: who.external_id, 'mailing_lists.remove': [l2] }]);
    expect(await membershipIds(created.id)).toEqual([l3, l4].sort());
    await uploadOk([{ external_id: who.external_id, mailing_lists: l1 }]);
    expect(await membershipIds(created.id)).toEqual([l1]);
    await uploadOk([{ external_id: who.external_id, mailing_lists: '' }]);
    expect(await membershipIds(created.id)).toEqual([]);
    expect(await listIds()).toEqual(expect.arrayContaining([l1, l2, l3, l4]));
    expect((await byEmail(who.email)).status).toBe(200);
    for (const list of [l1, l2, l3, l4]) expect(await contactEmails(list), list).toEqual([]);
  });

  it('a Custobar mailing list is the same list as a Rejoiner contact_add or lists/{id}/contacts/', async () => {
    const who = person('lists-shared');
    const list = `cb-shared-${unique}`;
    const made = await fetch(`${collector.url}/api/v2/shop/lists/${list}/contacts/`, {
      method: 'POST',
      headers: { authorization: `Rejoiner ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: who.email }),
    });
    // The REST API refuses an unknown list, or makes it: either way, once Custobar names it, it is one list.
    await uploadOk([{ ...who, 'mailing_lists.add': [list] }]);
    expect([200, 201, 404]).toContain(made.status);
    expect(await contactEmails(list)).toEqual([who.email]);
    const id = (await byEmail(who.email)).body.id;
    expect(await membershipIds(id)).toEqual([list]);
    await uploadOk([{ external_id: who.external_id, 'mailing_lists.remove': [list] }]);
    expect(await contactEmails(list)).toEqual([]);
  });
});

describe('consent: can_email, can_sms, can_post, can_push, can_profile', () => {
  const CHANNELS: [string, string][] = [
    ['can_email', 'email'],
    ['can_sms', 'sms'],
    ['can_post', 'post'],
    ['can_push', 'push'],
    ['can_profile', 'profiling'],
  ];

  it.each(CHANNELS)('%s: true grants, false refuses, "" makes it unknown again; omitted leaves it', async (field, channel) => {
    const who = person(`consent-${channel}`);
    const [created] = await uploadOk([{ ...who }]);
    expect((await dashboardCustomer(created.id)).consent[channel]).toBeUndefined();
    await uploadOk([{ external_id: who.external_id, [field]: true }]);
    expect((await dashboardCustomer(created.id)).consent[channel]).toMatchObject({ state: 'granted', source: 'custobar' });
    await uploadOk([{ external_id: who.external_id, first_name: 'No permission named' }]);
    expect((await dashboardCustomer(created.id)).consent[channel]).toMatchObject({ state: 'granted' });
    await uploadOk([{ external_id: who.external_id, [field]: false }]);
    expect((await dashboardCustomer(created.id)).consent[channel]).toMatchObject({ state: 'refused', source: 'custobar' });
    await uploadOk([{ external_id: who.external_id, [field]: '' }]);
    expect((await dashboardCustomer(created.id)).consent[channel]).toBeUndefined();
    // Only the named channel ever changed.
    const view = await dashboardCustomer(created.id);
    for (const [, other] of CHANNELS) if (other != channel) expect(view.consent[other], other).toBeUndefined();
  });

  it("can_email is the email permission Rejoiner's unsubscribe and the loyalty platform read", async () => {
    const who = person('consent-shared');
    await uploadOk([{ ...who }]);
    // "Defaults to false if omitted" is how Custobar answers; stored, it stays unknown.
    expect(await loyaltyByEmail(who.email)).toEqual([expect.not.objectContaining({ hasAgreedToMarketing: expect.anything() })]);
    expect((await byEmail(who.email)).body.is_unsubscribed).toBe(false);
    await uploadOk([{ external_id: who.external_id, can_email: false }]);
    expect((await loyaltyByEmail(who.email))[0].hasAgreedToMarketing).toBe(false);
    expect((await byEmail(who.email)).body.is_unsubscribed).toBe(true);
    await uploadOk([{ external_id: who.external_id, can_email: true }]);
    expect((await loyaltyByEmail(who.email))[0].hasAgreedToMarketing).toBe(true);
    expect((await byEmail(who.email)).body.is_unsubscribed).toBe(false);
    // Rejoiner's unsubscribe refuses the same permission.
    const unsubscribe = await fetch(`${collector.url}/api/v2/shop/customer/unsubscribe/`, {
      method: 'POST',
      headers: { authorization: `Rejoiner ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: who.email }),
    });
    expect(unsubscribe.status).toBe(200);
    expect((await loyaltyByEmail(who.email))[0].hasAgreedToMarketing).toBe(false);
  });

  it('refuses a permission that is not true, false or ""', async () => {
    const who = person('consent-types');
    for (const value of ['true', 'yes', 1, 0, [], {}, null]) {
      const answer = await upload([{ ...who, can_email: value }]);
      expect(answer.status, JSON.stringify(value)).toBe(400);
      expect(answer.body.results[0], JSON.stringify(value)).toMatchObject({ index: 0, status: 'error', error: expect.stringContaining('can_email') });
    }
    expect((await byEmail(who.email)).status).toBe(404);
  });
});

describe('company-specific fields (PREFIX__name)', () => {
  it("are kept with their JSON values as the customer's metadata", async () => {
    const who = person('company');
    await uploadOk([{ ...who, COMPANY__loyalty_level: 'gold', COMPANY__customer_group: 1, ACME__vip: true, ACME__score: 4.5, ACME2__nested: { a: [1, 'b'] } }]);
    expect((await byEmail(who.email)).body.metadata).toEqual({
      COMPANY__loyalty_level: 'gold',
      COMPANY__customer_group: 1,
      ACME__vip: true,
      ACME__score: 4.5,
      ACME2__nested: { a: [1, 'b'] },
    });
  });

  it('refuse their record when the name is not PREFIX__name', async () => {
    const who = person('company-names');
    for (const field of ['__level', 'COMPANY__', 'COMPANY_level', 'COM-PANY__level', 'COMPANY__lev el', 'company.level']) {
      const answer = await upload([{ ...who, [field]: 'x' }]);
      expect(answer.status, field).toBe(400);
      expect(answer.body.results[0].error, field).toMatch(/unknown field/);
    }
  });

  it('hold at most 200 keys per customer: the record that would pass it is refused whole', async () => {
    const who = person('company-limit');
    const fields = Object.fromEntries(Array.from({ length: 200 }, (_, index) => [`COMPANY__k${index}`, index]));
    await uploadOk([{ ...who, ...fields }]);
    const over = await upload([{ external_id: who.external_id, COMPANY__one_more: 1, first_name: 'Not applied' }]);
    expect(over.status).toBe(400);
    expect(over.body.results[0]).toMatchObject({ status: 'error', error: expect.stringMatching(/200/) });
    const read = (await byEmail(who.email)).body;
    expect(Object.keys(read.metadata)).toHaveLength(200);
    expect(read.first_name).toBe('');
    // Changing a key that is there is no new key.
    await uploadOk([{ external_id: who.external_id, COMPANY__k0: 'changed' }]);
    expect((await byEmail(who.email)).body.metadata.COMPANY__k0).toBe('changed');
    // A record of 201 new keys is refused from the start.
    const many = Object.fromEntries(Array.from({ length: 201 }, (_, index) => [`BIG__k${index}`, index]));
    const fresh = person('company-limit-new');
    expect((await upload([{ ...fresh, ...many }])).status).toBe(400);
    expect((await byEmail(fresh.email)).status).toBe(404);
  });

  it('at the limit, a record that removes one key and adds another keeps the customer at 200 keys and is stored', async () => {
    const who = person('company-swap');
    const fields = Object.fromEntries(Array.from({ length: 200 }, (_, index) => [`COMPANY__k${index}`, index]));
    await uploadOk([{ ...who, ...fields }]);
    const swap = await upload([{ external_id: who.external_id, COMPANY__k0: '', COMPANY__replacement: 'new' }]);
    expect(swap.status, JSON.stringify(swap.body)).toBe(200);
    const metadata = (await byEmail(who.email)).body.metadata;
    expect(Object.keys(metadata)).toHaveLength(200);
    expect(metadata).not.toHaveProperty('COMPANY__k0');
    expect(metadata.COMPANY__replacement).toBe('new');
  });
});

describe('identity', () => {
  it('refuses a record whose external_id and email name two customers, and stores the other records of the upload', async () => {
    const a = person('conflict-a');
    const b = person('conflict-b');
    const [ca, cb] = await uploadOk([{ ...a, first_name: 'Anna' }, { ...b, first_name: 'Bert' }]);
    const c = person('conflict-c');
    const d = person('conflict-d');
    const answer = await upload([
      { ...c, first_name: 'Cecil' },
      { external_id: a.external_id, email: b.email, first_name: 'Merged?' },
      { ...d, first_name: 'Dora' },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ response: 'errors', created: 2, updated: 0, failed: 1 });
    expect(answer.body.results[0]).toMatchObject({ index: 0, status: 'created' });
    expect(answer.body.results[1]).toEqual({ index: 1, status: 'error', error: expect.stringMatching(/not merged/) });
    expect(answer.body.results[1].error).toContain(ca.id);
    expect(answer.body.results[1].error).toContain(cb.id);
    expect(answer.body.results[2]).toMatchObject({ index: 2, status: 'created' });
    // Neither person changed, and both new ones are there.
    expect((await byEmail(a.email)).body.first_name).toBe('Anna');
    expect((await byEmail(b.email)).body.first_name).toBe('Bert');
    expect((await byEmail(c.email)).body.first_name).toBe('Cecil');
    expect((await byEmail(d.email)).body.first_name).toBe('Dora');
  });

  it("refuses a new external_id with the email of a customer who has another external_id", async () => {
    const a = person('conflict-other-id');
    await uploadOk([{ ...a, first_name: 'Kept' }]);
    const answer = await upload([{ external_id: `${a.external_id}-new`, email: a.email, first_name: 'Overwritten?' }]);
    expect(answer.status).toBe(400);
    expect(answer.body.results[0].status).toBe('error');
    expect((await byEmail(a.email)).body.first_name).toBe('Kept');
  });

  it('gives a customer found by email the external_id it lacked', async () => {
    const email = `${person('adopt').email}`;
    const [created] = await uploadOk([{ email, first_name: 'Adopted' }]);
    const [updated] = await uploadOk([{ external_id: `adopt-id-${unique}`, email }]);
    expect(updated).toMatchObject({ id: created.id, status: 'updated' });
    const [byId] = await uploadOk([{ external_id: `adopt-id-${unique}`, last_name: 'Later' }]);
    expect(byId.id).toBe(created.id);
    expect((await byEmail(email)).body).toMatchObject({ first_name: 'Adopted', last_name: 'Later' });
  });

  it('moves a customer found by external_id to a new email', async () => {
    const who = person('move');
    const [created] = await uploadOk([{ ...who, first_name: 'Mover' }]);
    const newEmail = `moved.${unique}@custobar.example`;
    await uploadOk([{ external_id: who.external_id, email: newEmail }]);
    expect((await byEmail(who.email)).status).toBe(404);
    expect((await byEmail(newEmail)).body).toMatchObject({ id: created.id, first_name: 'Mover' });
  });

  it('finds a customer by phone_number only when the record gives no other identifier, in any format', async () => {
    const phone = '+358 40 555 0101';
    const who = person('phone');
    const [created] = await uploadOk([{ ...who, phone_number: '+358405550101', first_name: 'Phoebe' }]);
    const [found] = await uploadOk([{ phone_number: phone, last_name: 'Phone' }]);
    expect(found).toMatchObject({ id: created.id, status: 'updated' });
    expect((await byEmail(who.email)).body).toMatchObject({ first_name: 'Phoebe', last_name: 'Phone' });
    // With an email, the phone identifies nothing: a new email is a new customer.
    const other = person('phone-other');
    const [fresh] = await uploadOk([{ email: other.email, phone_number: '+358405550101' }]);
    expect(fresh.status).toBe('created');
    expect(fresh.id).not.toBe(created.id);
    // Now two customers share the phone: a phone-only record cannot say which.
    const ambiguous = await upload([{ phone_number: '+358405550101', first_name: 'Which?' }]);
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.results[0]).toMatchObject({ status: 'error', error: expect.stringMatching(/phone_number/) });
    expect((await byEmail(who.email)).body.first_name).toBe('Phoebe');
    expect((await byEmail(other.email)).body.first_name).toBe('');
  });

  it('creates a customer known by a phone number alone, and finds it again by that number', async () => {
    const phone = '+358405550202';
    const [created] = await uploadOk([{ phone_number: phone, first_name: 'Only Phone' }]);
    expect(created.status).toBe('created');
    const [again] = await uploadOk([{ phone_number: '00358 40 555 0202', last_name: 'Again' }]);
    expect(again.id).toBe(created.id);
    const read = await loyalty(`customers/${created.id}`);
    expect(read.body).toMatchObject({ firstName: 'Only Phone', lastName: 'Again' });
    expect(read.body).not.toHaveProperty('email');
  });

  it('refuses a record without any identifier, or with only empty ones', async () => {
    for (const record of [{ first_name: 'Nobody' }, { external_id: '', email: '', phone_number: '' }, { email: '', first_name: 'Nobody' }]) {
      const answer = await upload([record]);
      expect(answer.status, JSON.stringify(record)).toBe(400);
      expect(answer.body.results[0].error, JSON.stringify(record)).toMatch(/external_id|email|phone/);
    }
  });

  it('refuses an external_id that is not letters, digits and dashes', async () => {
    for (const external_id of ['has space', 'under_score', 'dot.ted', 'slash/ed', 'ä-umlaut', '12345678901234567890'.repeat(10), 42]) {
      const answer = await upload([{ external_id, first_name: 'Bad id' }]);
      expect(answer.status, String(external_id)).toBe(400);
      expect(answer.body.results[0].error, String(external_id)).toMatch(/external_id/);
    }
    const [ok] = await uploadOk([{ external_id: 'Good-ID-0123', first_name: 'Good id' }]);
    expect(ok.status).toBe('created');
  });
});

describe('is_deleted: for good', () => {
  /** A customer of its own, with a phone and a mailing list, then deleted: its id, email, phone and list. */
  async function deletedCustomer(label: string) {
    const who = person(label);
    const phone = `+35840555${String(unique).padStart(4, '0')}`;
    const list = `cb-del-${unique}`;
    const [created] = await uploadOk([{ ...who, first_name: 'Dell', phone_number: phone, mailing_lists: [list] }]);
    const answer = await upload([{ external_id: who.external_id, is_deleted: true }]);
    expect(answer.status).toBe(200);
    return { ...who, id: created.id as string, phone, list, answer: answer.body };
  }

  it('answers the record that deletes as deleted, and counts it', async () => {
    const gone = await deletedCustomer('deleted-answer');
    expect(gone.answer.results[0]).toEqual({ index: 0, id: gone.id, status: 'deleted' });
    expect(gone.answer).toMatchObject({ deleted: 1, updated: 0, created: 0 });
  });

  it("hides the customer from the loyalty platform's reads", async () => {
    const gone = await deletedCustomer('deleted-loyalty');
    expect((await loyalty(`customers/${gone.id}`)).status).toBe(404);
    expect(await loyaltyByEmail(gone.email)).toEqual([]);
    expect((await loyalty(`customers?phoneNumber=${encodeURIComponent(gone.phone)}`)).body).toEqual([]);
    expect((await loyalty(`customers/${gone.id}/memberships`)).status).toBe(404);
  });

  it("hides the customer from Rejoiner's reads too (README: \"from every API\")", async () => {
    const gone = await deletedCustomer('deleted-rejoiner');
    expect((await byEmail(gone.email)).status).toBe(404);
    expect((await rejoiner(`customers/${gone.id}/`)).status).toBe(404);
    expect((await rejoiner(`customers/by_phone/?phone=${encodeURIComponent(gone.phone)}`)).status).toBe(404);
  });

  it("takes the customer out of its mailing lists' contacts", async () => {
    const gone = await deletedCustomer('deleted-lists');
    expect(await contactEmails(gone.list)).toEqual([]);
  });

  it('cannot be undone: is_deleted false and later imports change nothing and answer deleted', async () => {
    const who = person('deleted-undo');
    const [created] = await uploadOk([{ ...who, first_name: 'Gone' }]);
    await uploadOk([{ external_id: who.external_id, is_deleted: true }]);
    for (const record of [
      { external_id: who.external_id, is_deleted: false, first_name: 'Back?' },
      { external_id: who.external_id, first_name: 'Back?' },
      { email: who.email, first_name: 'Back?' },
    ]) {
      const answer = await upload([record]);
      expect(answer.status, JSON.stringify(record)).toBe(200);
      expect(answer.body.results[0], JSON.stringify(record)).toEqual({ index: 0, id: created.id, status: 'deleted' });
    }
    expect((await loyalty(`customers/${created.id}`)).status).toBe(404);
    expect(await loyaltyByEmail(who.email)).toEqual([]);
    const listing = await loyalty('customers');
    expect(listing.body.map((customer: Json) => customer.id)).not.toContain(created.id);
  });

  it('applies to a customer first seen in that very record', async () => {
    const who = person('deleted-new');
    const answer = await upload([{ ...who, first_name: 'Stillborn', is_deleted: true }]);
    expect(answer.status).toBe(200);
    expect(answer.body.results[0].status).toMatch(/^(deleted|created)$/);
    expect(await loyaltyByEmail(who.email)).toEqual([]);
    // A later import changes nothing.
    const later = await upload([{ ...who, first_name: 'Reborn?' }]);
    expect(later.body.results[0]).toMatchObject({ status: 'deleted' });
    expect(await loyaltyByEmail(who.email)).toEqual([]);
  });

  it('refuses is_deleted that is not a boolean', async () => {
    const who = person('deleted-types');
    for (const value of ['true', 1, '', null]) {
      const answer = await upload([{ ...who, is_deleted: value }]);
      expect(answer.status, JSON.stringify(value)).toBe(400);
    }
  });
});

describe('is_forgotten: erased everywhere, for good', () => {
  it('erases the personal data: no API and no export finds the email, name or phone', async () => {
    const who = person('forgotten');
    const NAME = `Forgettable${unique}`;
    const PHONE = '+358405550404';
    const list = `cb-forget-${unique}`;
    const [created] = await uploadOk([{ ...who, first_name: NAME, last_name: 'Person', phone_number: PHONE, city: 'Oulu', tags: ['t1'], mailing_lists: [list], COMPANY__note: `about ${NAME}` }]);
    // The snippet knew the person too: their email in the event log.
    const visitor = `forget-visitor-${unique}`;
    const beacon = await postBeacon(collector.url, batchBody([
      makeEvent({ visitor, session: `${visitor}-s`, type: 'customer_email', data: { email: who.email, source: 'form' } }),
      makeEvent({ visitor, session: `${visitor}-s`, type: 'customer_data', data: { first_name: NAME } }),
    ]));
    expect(beacon.status).toBe(200);
    expect(JSON.stringify(await exportAll(collector.url))).toContain(who.email);

    const answer = await upload([{ external_id: who.external_id, is_forgotten: true }]);
    expect(answer.status).toBe(200);
    expect(answer.body.results[0]).toEqual({ index: 0, id: created.id, status: 'forgotten' });
    expect(answer.body).toMatchObject({ forgotten: 1, updated: 0 });

    expect((await byEmail(who.email)).status).toBe(404);
    expect((await rejoiner(`customers/by_phone/?phone=${encodeURIComponent(PHONE)}`)).status).toBe(404);
    expect(await loyaltyByEmail(who.email)).toEqual([]);
    expect((await loyalty(`customers?phoneNumber=${encodeURIComponent(PHONE)}`)).body).toEqual([]);
    expect((await loyalty(`customers/${created.id}`)).status).toBe(404);
    expect(await contactEmails(list)).toEqual([]);
    const exported = JSON.stringify(await exportAll(collector.url));
    expect(exported).not.toContain(who.email);
    expect(exported).not.toContain(NAME);
    const listing = JSON.stringify((await loyalty('customers')).body);
    expect(listing).not.toContain(who.email);
    expect(listing).not.toContain(NAME);
  });

  it("answers Rejoiner's read by id with 404, as its DELETE does, and no personal data either way", async () => {
    const who = person('forgotten-by-id');
    const NAME = `Idread${unique}`;
    const [created] = await uploadOk([{ ...who, first_name: NAME, city: 'Kemi' }]);
    await uploadOk([{ external_id: who.external_id, is_forgotten: true }]);
    const read = await rejoiner(`customers/${created.id}/`);
    expect(JSON.stringify(read.body)).not.toContain(NAME);
    expect(JSON.stringify(read.body)).not.toContain(who.email);
    expect((await fetch(`${collector.url}/api/v2/shop/customers/${created.id}/`, { method: 'DELETE', headers: { authorization: `Rejoiner ${TOKEN}` } })).status).toBe(404);
    expect(read.status).toBe(404);
  });

  it('is irreversible: the same external_id later brings nothing back', async () => {
    const who = person('forgotten-again');
    const [created] = await uploadOk([{ ...who, first_name: 'Ghost' }]);
    await uploadOk([{ email: who.email, is_forgotten: true }]);
    for (const record of [
      { external_id: who.external_id, is_forgotten: false, email: who.email, first_name: 'Ghost' },
      { external_id: who.external_id, first_name: 'Ghost', phone_number: '+358405550505' },
    ]) {
      const answer = await upload([record]);
      expect(answer.status, JSON.stringify(record)).toBe(200);
      expect(answer.body.results[0], JSON.stringify(record)).toEqual({ index: 0, id: created.id, status: 'forgotten' });
    }
    expect((await byEmail(who.email)).status).toBe(404);
    expect(await loyaltyByEmail(who.email)).toEqual([]);
    expect((await loyalty(`customers?phoneNumber=${encodeURIComponent('+358405550505')}`)).body).toEqual([]);
    expect((await loyalty(`customers/${created.id}`)).status).toBe(404);
  });

  it('forgets a customer that was deleted before', async () => {
    const who = person('deleted-then-forgotten');
    const NAME = `Twice${unique}`;
    const [created] = await uploadOk([{ ...who, first_name: NAME }]);
    await uploadOk([{ external_id: who.external_id, is_deleted: true }]);
    const answer = await upload([{ external_id: who.external_id, is_forgotten: true }]);
    expect(answer.body.results[0]).toEqual({ index: 0, id: created.id, status: 'forgotten' });
    expect(JSON.stringify(await exportAll(collector.url))).not.toContain(who.email);
  });

  it('answers a forget of someone never known without storing the email', async () => {
    const email = `never.known.${unique}@custobar.example`;
    const answer = await upload([{ email, first_name: 'Never', is_forgotten: true }]);
    expect(answer.status).toBe(200);
    expect(answer.body.results[0].status).toBe('forgotten');
    expect((await byEmail(email)).status).toBe(404);
    expect(await loyaltyByEmail(email)).toEqual([]);
  });
});

describe('the answer', () => {
  it('lists each outcome in order and counts them; unknown fields are named', async () => {
    const a = person('answer-a');
    await uploadOk([{ ...a }]);
    const b = person('answer-b');
    const answer = await upload([
      { external_id: a.external_id, city: 'Vaasa' },
      { ...b },
      { ...person('answer-c'), favourite_colour: 'green' },
      'not an object',
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ response: 'errors', created: 1, updated: 1, deleted: 0, forgotten: 0, failed: 2 });
    expect(answer.body.results).toEqual([
      { index: 0, id: expect.any(String), status: 'updated' },
      { index: 1, id: expect.any(String), status: 'created' },
      { index: 2, status: 'error', error: expect.stringContaining('favourite_colour') },
      { index: 3, status: 'error', error: expect.any(String) },
    ]);
  });

  it('is a 400 when every record failed', async () => {
    const answer = await upload([{ first_name: 'No id' }, { ...person('all-fail'), unknown_field: 1 }]);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ response: 'errors', created: 0, updated: 0, failed: 2 });
  });
});
