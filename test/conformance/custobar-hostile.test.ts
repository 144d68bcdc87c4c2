/**
 * Custobar uploads a sync script with bugs (or an attacker holding a leaked token) could send:
 * wrong types in every field, nulls, huge values, records that are not objects, keys that name
 * Object.prototype's members, deep nesting, impossible dates, unicode addresses; and uploads
 * racing each other. Every one is a per-record error or a 4xx, never a 5xx, never a stored
 * surprise; racing uploads of one new person make one customer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOP, startTestCollector, type TestCollector } from '../support/collector';

const TOKEN = 'shop_hostile_token_0123456789abc';
const SITE = { ...SHOP, token: TOKEN, timezone: 'Europe/Helsinki' };

/** Answers are checked field by field: loosely typed on purpose. */
type Json = any;

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({ sites: [SITE] });
});
afterAll(() => collector?.dispose());

const AUTH = `Basic ${Buffer.from(`${SITE.key}:${TOKEN}`).toString('base64')}`;

async function uploadRaw(body: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${collector.url}/api/customers/upload/`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}
const upload = (customers: unknown[]) => uploadRaw(JSON.stringify({ customers }));

async function rejoiner(path: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${collector.url}/api/v2/${SITE.id}/${path}`, { headers: { authorization: `Rejoiner ${TOKEN}` } });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}
const byEmail = (email: string) => rejoiner(`customers/by_email/?email=${encodeURIComponent(email)}`);

async function loyalty(path: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${collector.url}/organizations/${SITE.id}/${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}
const loyaltyByEmail = async (email: string): Promise<Json[]> => (await loyalty(`customers?email=${encodeURIComponent(email)}`)).body;

let unique = 0;
const person = (label: string) => {
  unique++;
  return { external_id: `${label}-${unique}`, email: `${label}.${unique}@hostile.example` };
};

/** The one record of an upload was refused: 400 (every record failed) with an error naming `field`. */
async function expectRefused(record: Record<string, unknown>, field: string): Promise<void> {
  const answer = await upload([record]);
  const what = `${field} = ${JSON.stringify(record[field])?.slice(0, 80)}`;
  expect(answer.status, what).toBe(400);
  expect(answer.body.results, what).toHaveLength(1);
  expect(answer.body.results[0], what).toMatchObject({ index: 0, status: 'error' });
  expect(answer.body.results[0].error, what).toContain(field.slice(0, 40));
}

describe('wrong types', () => {
  const TEXT = ['first_name', 'last_name', 'city', 'company', 'house_number', 'house_number_addition', 'province', 'street_address', 'street_name', 'vat_number', 'zip_code', 'canonical_id', 'shop_id', 'gender'];
  const NOT_TEXT = [true, false, {}, [], ['x'], { a: 'b' }];
  it.each(TEXT)('%s: booleans, objects and arrays refuse the record, naming the field', async (field) => {
    const who = person(`type-${field.replace(/_/g, '-')}`);
    for (const value of NOT_TEXT) await expectRefused({ ...who, [field]: value }, field);
    expect((await byEmail(who.email)).status).toBe(404);
  });

  // [field, wrong values]
  const TYPED: [string, unknown[]][] = [
    ['email', [1, true, {}, [], ['a@b.example'], 'not-an-email', 'a@', '@b.example', 'a b@c.example']],
    ['phone_number', [358401234567, true, {}, [], '12', 'abc', '+1', '0401234567', '+358 40 123 4567 8901 2345']],
    ['external_id', [12, true, {}, [], 'has space', 'a/b', 'a_b', 'é']],
    ['can_email', ['true', 1, 0, {}, []]],
    ['can_sms', ['false', 1, {}, []]],
    ['can_post', ['yes', 0, {}]],
    ['can_push', ['no', 1, []]],
    ['can_profile', ['1', 1, {}]],
    ['is_deleted', ['true', 1, {}, []]],
    ['is_forgotten', ['true', 1, {}, []]],
    ['birth_date', [19910614, true, {}, '14.06.1991', '1991-6-14', '1991/06/14', 'June 14 1991', '2015-02-30', '2015-02-29', '1991-13-01', '1991-00-10', '1991-06-00', '1991-06-31']],
    ['date_joined', [1440770400, true, {}, [], 'yesterday', '2015-02-30', '2015-13-01', '2015-08-28T24:30:00Z', '2015-08-28T14:60:00Z', '2015-08-28T14:10:61Z', '28.08.2015']],
    ['last_login', [1440770400, false, {}, 'now', '2015-02-29T10:00:00Z', '2015-04-31']],
    ['country', ['SWE', 's', 'S1', 12, true, {}]],
    ['language', ['english', 'e', 12, true, {}]],
    ['tags', [1, true, {}, [1], [''], [{}], [[]], [null], ['ok', 2]]],
    ['tags.add', [1, {}, [1], ['']]],
    ['tags.remove', [1, {}, [true]]],
    ['mailing_lists', [1, true, {}, [1], [''], [{}]]],
    ['mailing_lists.add', [1, {}, [2]]],
    ['mailing_lists.remove', [false, {}, [[]]]],
  ];
  it.each(TYPED)('%s: wrong values refuse the record, naming the field', async (field, values) => {
    const base = person(`typed-${field.replace(/[_.]/g, '-')}`);
    for (const value of values) {
      // An identifier under test must not be backed up by another one.
      const record: Record<string, unknown> = field == 'email' || field == 'external_id' || field == 'phone_number' ? { [field]: value } : { ...base, [field]: value };
      await expectRefused(record, field);
    }
    expect((await byEmail(base.email)).status).toBe(404);
  });

  it('accepts the dates that do exist: 29 February of a leap year, and the seed\'s two forms', async () => {
    const who = person('leap');
    const answer = await upload([{ ...who, birth_date: '2016-02-29', date_joined: '2015-08-28', last_login: '2015-08-28T14:10:00Z' }]);
    expect(answer.status).toBe(200);
    expect((await byEmail(who.email)).body.birthdate).toBe('2016-02-29');
  });
});

describe('nulls', () => {
  const FIELDS = ['external_id', 'email', 'phone_number', 'first_name', 'city', 'can_email', 'date_joined', 'birth_date', 'country', 'language', 'gender', 'tags', 'tags.add', 'mailing_lists', 'mailing_lists.remove', 'is_deleted', 'is_forgotten', 'COMPANY__level'];
  it.each(FIELDS)('%s: null refuses the record with the field named ("" is how a key is removed)', async (field) => {
    const who = person(`null-${field.replace(/[_.]/g, '-')}`);
    await expectRefused({ ...who, first_name: 'Nullable', [field]: null }, field);
    expect((await byEmail(who.email)).status).toBe(404);
  });
});

describe('records that are not objects', () => {
  it('refuses each one alone, by its index, and stores the objects around them', async () => {
    const before = person('around-before');
    const after = person('around-after');
    const answer = await upload([{ ...before }, 1, 'customer', null, [], [{ ...person('nested') }], true, { ...after }]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ created: 2, failed: 6 });
    expect(answer.body.results.map((result: Json) => result.status)).toEqual(['created', 'error', 'error', 'error', 'error', 'error', 'error', 'created']);
    expect(answer.body.results.map((result: Json) => result.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect((await byEmail(before.email)).status).toBe(200);
    expect((await byEmail(after.email)).status).toBe(200);
  });
});

describe("keys that name Object.prototype's members", () => {
  const NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'prototype'];
  it.each(NAMES)('"%s" is an unknown field: the record is refused, naming it', async (name) => {
    const who = person(`proto-${name.replace(/_/g, 'u')}`);
    // As raw JSON: JSON.stringify of an object literal would not even carry "__proto__".
    const body = `{"customers": [{"external_id": "${who.external_id}", "email": "${who.email}", "${name}": "text"}]}`;
    const answer = await uploadRaw(body);
    expect(answer.status).toBe(400);
    expect(answer.body.results[0]).toMatchObject({ index: 0, status: 'error', error: expect.stringContaining('unknown field') });
    expect(answer.body.results[0].error).toContain(name);
    expect((await byEmail(who.email)).status).toBe(404);
  });

  it('"__proto__" as a top-level key is refused; as a value inside a company field it stays plain data', async () => {
    expect((await uploadRaw('{"customers": [], "__proto__": {"polluted": 1}}')).status).toBe(400);
    const who = person('proto-value');
    const body = `{"customers": [{"external_id": "${who.external_id}", "email": "${who.email}", "ACME__proto__": "plain", "ACME__data": {"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}}]}`;
    const answer = await uploadRaw(body);
    expect(answer.status).toBe(200);
    const metadata = (await byEmail(who.email)).body.metadata;
    expect(metadata.ACME__proto__).toBe('plain');
    expect(Object.keys(metadata.ACME__data).sort()).toEqual(['__proto__', 'constructor']);
    // Nothing leaked into the collector's process (it runs in this one).
    expect(({} as Json).polluted).toBeUndefined();
    expect((Object.prototype as Json).polluted).toBeUndefined();
    // Nor into other customers.
    const other = person('proto-other');
    await upload([{ ...other }]);
    expect((await byEmail(other.email)).body.metadata).toEqual({});
  });

  it('tags.__proto__ and mailing_lists.constructor are unknown fields', async () => {
    for (const name of ['tags.__proto__', 'tags.constructor', 'mailing_lists.constructor', 'tags.add.add', 'tags.replace']) {
      const who = person('proto-dotted');
      const answer = await uploadRaw(`{"customers": [{"email": "${who.email}", "${name}": ["x"]}]}`);
      expect(answer.status, name).toBe(400);
      expect(answer.body.results[0].error, name).toContain('unknown field');
    }
  });
});

describe('huge and deep values', () => {
  it('refuses or cuts huge strings, never a 5xx, and stores nothing longer than the limit', async () => {
    const big = 'x'.repeat(100_000);
    const cases: [string, unknown][] = [
      ['first_name', big],
      ['city', big],
      ['email', `${big}@hostile.example`],
      ['external_id', big.slice(0, 5000)],
      ['tags', [big]],
      ['mailing_lists', [big]],
      ['COMPANY__blob', big],
      ['COMPANY__list', Array.from({ length: 5000 }, () => 'yyyyyyyyyy')],
      ['phone_number', `+358${'1'.repeat(5000)}`],
    ];
    for (const [field, value] of cases) {
      const who = person('huge');
      const record: Record<string, unknown> = field == 'email' || field == 'external_id' ? { [field]: value } : { ...who, [field]: value };
      const answer = await upload([record]);
      expect(answer.status, field).toBeGreaterThanOrEqual(200);
      expect(answer.status, field).toBeLessThan(500);
      if (answer.status == 200) {
        const read = (await byEmail(who.email)).body;
        expect(JSON.stringify(read).length, field).toBeLessThan(20_000);
      } else expect(answer.body.results?.[0]?.error ?? answer.body.error, field).toBeTruthy();
    }
  });

  it('refuses a field name longer than any key may be', async () => {
    const who = person('long-key');
    const answer = await upload([{ ...who, [`COMPANY__${'k'.repeat(2000)}`]: 1 }]);
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body).length).toBeLessThan(2000);
  });

  it('answers a body over the size limit with 413, not 5xx', async () => {
    const answer = await uploadRaw(JSON.stringify({ customers: [{ ...person('megabyte'), first_name: 'x'.repeat(2_000_000) }] }));
    expect(answer.status).toBe(413);
  });

  it('refuses deeply nested values with a 400, and takes modest nesting', async () => {
    const who = person('deep');
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const answer = await uploadRaw(`{"customers": [{"email": "${who.email}", "COMPANY__deep": ${deep}}]}`);
    expect(answer.status).toBe(400);
    const deepObject = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    expect((await uploadRaw(`{"customers": [{"email": "${who.email}", "COMPANY__deep": ${deepObject}}]}`)).status).toBe(400);
    expect((await uploadRaw(`{"customers": [{"email": "${who.email}", "tags": ${deep}}]}`)).status).toBe(400);
    expect((await byEmail(who.email)).status).toBe(404);
    const modest = { a: { b: { c: { d: [1, 2, { e: 'f' }] } } } };
    expect((await upload([{ ...who, COMPANY__modest: modest }])).status).toBe(200);
    expect((await byEmail(who.email)).body.metadata.COMPANY__modest).toEqual(modest);
  });

  it('refuses more tags than a customer may have (1000, as the REST API), and keeps its tags as they were', async () => {
    const who = person('many-tags');
    await upload([{ ...who, tags: ['keep'] }]);
    const answer = await upload([{ external_id: who.external_id, tags: Array.from({ length: 1001 }, (_, index) => `t${index}`) }]);
    expect(answer.status).toBe(400);
    expect((await byEmail(who.email)).body.tags).toEqual(['keep']);
  });
});

describe('text that is hard to store', () => {
  it('stores NUL and lone surrogates in text as U+FFFD, never a 5xx', async () => {
    const who = person('nul');
    const answer = await uploadRaw(`{"customers": [{"external_id": "${who.external_id}", "email": "${who.email}", "first_name": "a\\u0000b\\ud800c", "COMPANY__x\\u0000y": "v"}]}`);
    expect(answer.status).toBeLessThan(500);
    if (answer.status == 200) expect((await byEmail(who.email)).body.first_name).toBe('a\uFFFDb\uFFFDc');
  });

  const CONTROL: [string, string][] = [
    ['a NUL', 'a\u0000b@hostile.example'],
    ['a bell', 'a\u0007b@hostile.example'],
    ['an escape', 'a\u001bb@hostile.example'],
    ['a newline', 'a\nb@hostile.example'],
    ['a header injection', 'ab@hostile.example\r\nBcc: x@y.example'],
  ];
  it.each(CONTROL)('refuses an email with %s in it', async (_, email) => {
    const answer = await upload([{ email, first_name: 'Ctl' }]);
    expect(answer.status).toBe(400);
    expect(answer.body.results[0].error).toContain('email');
  });
});

describe('unicode emails', () => {
  const EMAILS = ['jürgen@müller.example', 'ü@exämple.example', '用户@例子.example', 'θσερ@παράδειγμα.example', 'δοκιμή@hostile.example'];
  it.each(EMAILS)('%s is stored and found again, exactly, by every read', async (email) => {
    const answer = await upload([{ email, first_name: 'Unicode' }]);
    expect(answer.status).toBe(200);
    const id = answer.body.results[0].id;
    expect((await byEmail(email)).body).toMatchObject({ id, email, first_name: 'Unicode' });
    expect((await loyaltyByEmail(email)).map((customer: Json) => customer.id)).toEqual([id]);
    const again = await upload([{ email, last_name: 'Again' }]);
    expect(again.body.results[0]).toMatchObject({ id, status: 'updated' });
  });

  it('finds an address whatever the case of its letters, and keeps one customer for it', async () => {
    const answer = await upload([{ email: 'Åsa.Öberg@Hostile.Example', first_name: 'Åsa' }]);
    expect(answer.status).toBe(200);
    const id = answer.body.results[0].id;
    const again = await upload([{ email: 'åsa.öberg@hostile.example', last_name: 'Öberg' }]);
    expect(again.body.results[0]).toMatchObject({ id, status: 'updated' });
    expect((await loyaltyByEmail('ÅSA.ÖBERG@HOSTILE.EXAMPLE')).map((customer: Json) => customer.id)).toEqual([id]);
  });
});

describe('racing uploads', () => {
  const RACERS = 20;
  const race = (record: () => Record<string, unknown>) => Promise.all(Array.from({ length: RACERS }, () => upload([record()])));
  const idsOf = (answers: { status: number; body: Json }[]): string[] => {
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return [...new Set(answers.map((answer) => answer.body.results[0].id as string))];
  };

  it(`${RACERS} uploads of one new external_id make one customer`, async () => {
    const who = person('race-external');
    const answers = await race(() => ({ external_id: who.external_id, first_name: 'Racer' }));
    expect(idsOf(answers)).toHaveLength(1);
    expect(answers.filter((answer) => answer.body.results[0].status == 'created')).toHaveLength(1);
  });

  it(`${RACERS} uploads of one new email make one customer`, async () => {
    const who = person('race-email');
    const answers = await race(() => ({ email: who.email, first_name: 'Racer' }));
    expect(idsOf(answers)).toHaveLength(1);
    expect(await loyaltyByEmail(who.email)).toHaveLength(1);
  });

  it(`${RACERS} uploads of one new external_id and email make one customer`, async () => {
    const who = person('race-both');
    let flip = 0;
    const answers = await race(() => (flip++ % 2 ? { external_id: who.external_id, email: who.email } : { email: who.email, external_id: who.external_id, city: 'Race' }));
    expect(idsOf(answers)).toHaveLength(1);
    expect(await loyaltyByEmail(who.email)).toHaveLength(1);
  });

  it(`${RACERS} uploads of one new phone number alone make one customer`, async () => {
    const phone = `+35850${String(1000000 + unique)}`;
    const answers = await race(() => ({ phone_number: phone, first_name: 'Phone racer' }));
    const ids = answers.map((answer) => answer.body.results[0].id).filter(Boolean);
    expect(new Set(ids).size).toBe(1);
    expect((await loyalty(`customers?phoneNumber=${encodeURIComponent(phone)}`)).body).toHaveLength(1);
  });

  it(`${RACERS} uploads adding a tag, a mailing list and a company field each lose none of them`, async () => {
    const who = person('race-sets');
    await upload([{ ...who }]);
    let n = 0;
    const answers = await race(() => {
      const i = n++;
      return { external_id: who.external_id, 'tags.add': [`tag-${i}`], 'mailing_lists.add': [`race-list-${unique}-${i}`], [`RACE__k${i}`]: i };
    });
    idsOf(answers);
    const read = (await byEmail(who.email)).body;
    expect([...read.tags].sort()).toEqual(Array.from({ length: RACERS }, (_, i) => `tag-${i}`).sort());
    expect(Object.keys(read.metadata)).toHaveLength(RACERS);
    // Every list has the customer as a contact.
    let count = 0;
    for (let i = 0; i < RACERS; i++) {
      const contacts = await rejoiner(`lists/race-list-${unique}-${i}/contacts/`);
      expect(contacts.status).toBe(200);
      count += contacts.body.results.filter((contact: Json) => contact.email == who.email).length;
    }
    expect(count).toBe(RACERS);
  });

  it(`${RACERS} new customers joining one new mailing list at once make one list with ${RACERS} contacts`, async () => {
    const list = `race-shared-${unique}`;
    const people = Array.from({ length: RACERS }, () => person('race-list'));
    const answers = await Promise.all(people.map((who) => upload([{ ...who, mailing_lists: [list] }])));
    idsOf(answers);
    const lists = await rejoiner('lists/?page_size=500');
    expect(lists.body.results.filter((entry: Json) => entry.id == list)).toHaveLength(1);
    const contacts = await rejoiner(`lists/${list}/contacts/?page_size=500`);
    expect(contacts.body.results.map((contact: Json) => contact.email).sort()).toEqual(people.map((who) => who.email).sort());
  });
});
