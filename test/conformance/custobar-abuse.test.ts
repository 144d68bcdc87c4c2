/**
 * Custobar uploads at the edges of what the collector takes (seed 001; README "Custobar
 * import"): 1,000 records and a body near 1 MiB, one identifier named twice in one upload,
 * uploads racing for the same people (PostgreSQL runs them in parallel), a record naming two
 * customers, and a deleted customer that other APIs name again. Every effect is read back
 * through the APIs a client has. (The site's time zone: custobar-dates.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationHeader } from '../../src/node/sign';
import { SHOP, startTestCollector, type TestCollector } from '../support/collector';

const TOKEN = 'shop_abuse_token_0123456789abcdef';
const SITE = { ...SHOP, token: TOKEN };
const AUTH = `Basic ${Buffer.from(`${SITE.key}:${TOKEN}`).toString('base64')}`;
/** The collector's body limit (http-io.ts MAX_BODY_BYTES). */
const MAX_BODY_BYTES = 1024 * 1024;

/** Answers are checked field by field: loosely typed on purpose. */
type Json = any;

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({ sites: [SITE] });
});
afterAll(() => collector?.dispose());

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

async function rejoiner(path: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${collector.url}/api/v2/${SITE.id}/${path}`, {
    ...init,
    headers: { authorization: `Rejoiner ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
  });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}
const byEmail = (email: string) => rejoiner(`customers/by_email/?email=${encodeURIComponent(email)}`);

async function loyalty(path: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${collector.url}/organizations/${SITE.id}/${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}
const loyaltyByEmail = async (email: string): Promise<Json[]> => {
  const answer = await loyalty(`customers?email=${encodeURIComponent(email)}`);
  expect(answer.status).toBe(200);
  return answer.body;
};
const contactEmails = async (list: string): Promise<string[]> => {
  const answer = await rejoiner(`lists/${encodeURIComponent(list)}/contacts/?page_size=500`);
  expect(answer.status).toBe(200);
  return answer.body.results.map((contact: Json) => contact.email).sort();
};

let unique = 0;
const person = (label: string) => {
  unique++;
  return { external_id: `${label}-${unique}`, email: `${label}.${unique}@abuse.example` };
};

describe('uploads at the size limits', () => {
  // 1,000 records each in a transaction of its own: slow machines need more than the default.
  it('stores all of exactly 1000 records, in order, with one answer each', { timeout: 120_000 }, async () => {
    const run = ++unique;
    const customers = Array.from({ length: 1000 }, (_, index) => ({ external_id: `thousand-${run}-${index}`, email: `thousand.${run}.${index}@abuse.example`, first_name: `T${index}` }));
    const answer = await upload(customers);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ response: 'ok', created: 1000, failed: 0 });
    expect(answer.body.results.map((result: Json) => result.index)).toEqual(customers.map((_, index) => index));
    expect(new Set(answer.body.results.map((result: Json) => result.id)).size).toBe(1000);
    for (const index of [0, 499, 999]) expect((await byEmail(customers[index].email)).body.first_name).toBe(`T${index}`);
  });

  /** An upload of `count` records whose JSON is exactly `bytes` long (padding in first_name). */
  const paddedBody = (label: string, count: number, bytes: number): { body: string; emails: string[] } => {
    const emails = Array.from({ length: count }, (_, index) => `${label}.${index}@abuse.example`);
    const records = emails.map((email) => ({ email, first_name: '' }));
    const bare = JSON.stringify({ customers: records }).length;
    const spare = bytes - bare;
    // Every record gets the same padding, the last one what is left over.
    const each = Math.floor(spare / count);
    records.forEach((record, index) => (record.first_name = 'p'.repeat(index == count - 1 ? spare - each * (count - 1) : each)));
    const body = JSON.stringify({ customers: records });
    expect(Buffer.byteLength(body)).toBe(bytes);
    return { body, emails };
  };

  it('takes 1000 records in a body of exactly 1 MiB', { timeout: 120_000 }, async () => {
    const { body, emails } = paddedBody(`full-${++unique}`, 1000, MAX_BODY_BYTES);
    const answer = await uploadRaw(body);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ created: 1000, failed: 0 });
    expect((await byEmail(emails[999])).status).toBe(200);
  });

  it('answers a body one byte over 1 MiB with 413 and stores none of its records', async () => {
    const { body, emails } = paddedBody(`over-${++unique}`, 1000, MAX_BODY_BYTES + 1);
    const answer = await uploadRaw(body);
    expect(answer.status).toBe(413);
    for (const index of [0, 500, 999]) expect(await loyaltyByEmail(emails[index])).toEqual([]);
  });
});

describe('one identifier named twice in one upload', () => {
  it('merges the records of one external_id in order: created, then updated, into one customer', async () => {
    const who = person('twice-external');
    const answer = await upload([
      { external_id: who.external_id, first_name: 'First' },
      { external_id: who.external_id, email: who.email, last_name: 'Second' },
      { external_id: who.external_id, first_name: 'Third' },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((result: Json) => result.status)).toEqual(['created', 'updated', 'updated']);
    expect(new Set(answer.body.results.map((result: Json) => result.id)).size).toBe(1);
    expect((await byEmail(who.email)).body).toMatchObject({ id: answer.body.results[0].id, first_name: 'Third', last_name: 'Second' });
  });

  it('finds one customer for an email written in two cases', async () => {
    const who = person('twice-case');
    const answer = await upload([{ email: who.email.toUpperCase(), first_name: 'Upper' }, { email: who.email, last_name: 'Lower' }]);
    expect(answer.body.results.map((result: Json) => result.status)).toEqual(['created', 'updated']);
    expect(answer.body.results[0].id).toBe(answer.body.results[1].id);
    expect(await loyaltyByEmail(who.email)).toHaveLength(1);
  });

  it('refuses the second of two records that give one email two different external_ids', async () => {
    const who = person('twice-email');
    const answer = await upload([
      { external_id: who.external_id, email: who.email, first_name: 'Owner' },
      { external_id: `${who.external_id}-other`, email: who.email, first_name: 'Intruder' },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.results[0].status).toBe('created');
    expect(answer.body.results[1]).toMatchObject({ status: 'error', error: expect.stringContaining('email') });
    expect((await byEmail(who.email)).body.first_name).toBe('Owner');
    // The refused record made no customer of its own external_id.
    const again = await upload([{ external_id: `${who.external_id}-other`, first_name: 'Probe' }]);
    expect(again.body.results[0].status).toBe('created');
  });
});

describe('a record naming two customers', () => {
  it('is refused and changes neither: no field, tag, company field, permission or mailing list of it is stored', async () => {
    const a = person('two-a');
    const b = person('two-b');
    await upload([{ ...a, first_name: 'Ada', tags: ['a'], ACME__level: 1 }, { ...b, first_name: 'Bob', tags: ['b'] }]);
    const list = `two-list-${unique}`;
    const answer = await upload([{ external_id: a.external_id, email: b.email, first_name: 'Both?', 'tags.add': ['merged'], ACME__level: 9, ACME__new: 'x', can_email: true, 'mailing_lists.add': [list] }]);
    expect(answer.status).toBe(400);
    expect(answer.body.results[0].error).toMatch(/not merged/);
    const readA = (await byEmail(a.email)).body;
    const readB = (await byEmail(b.email)).body;
    expect(readA).toMatchObject({ first_name: 'Ada', tags: ['a'], metadata: { ACME__level: 1 } });
    expect(readB).toMatchObject({ first_name: 'Bob', tags: ['b'], metadata: {} });
    expect(readA.id).not.toBe(readB.id);
    // The list it named was not made either.
    expect((await rejoiner(`lists/${list}/contacts/`)).status).toBe(404);
    // Each is still found by its own identifiers, and only by them.
    expect((await loyaltyByEmail(a.email)).map((customer: Json) => customer.id)).toEqual([readA.id]);
    expect((await loyaltyByEmail(b.email)).map((customer: Json) => customer.id)).toEqual([readB.id]);
  });
});

describe('racing uploads', () => {
  const shuffled = <T>(items: T[], seed: number): T[] => {
    const copy = items.slice();
    for (let index = copy.length - 1; index > 0; index--) {
      const other = (index * 7 + seed * 13) % (index + 1);
      [copy[index], copy[other]] = [copy[other], copy[index]];
    }
    return copy;
  };

  it('20 uploads of the same 10 people, in 20 orders and with differing identifiers, make 10 customers and no 5xx', async () => {
    const people = Array.from({ length: 10 }, () => person('race-crowd'));
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, upload_) =>
        upload(shuffled(people, upload_).map((who, index) => ((upload_ + index) % 3 == 0 ? { email: who.email.toUpperCase() } : (upload_ + index) % 3 == 1 ? { ...who } : { email: who.email, external_id: who.external_id, city: `c${upload_}` }))),
      ),
    );
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.failed, JSON.stringify(answer.body)).toBe(0);
    }
    for (const who of people) {
      const found = await loyaltyByEmail(who.email);
      expect(found, who.email).toHaveLength(1);
      const [byExternal] = (await upload([{ external_id: who.external_id }])).body.results;
      expect(byExternal).toMatchObject({ id: found[0].id, status: 'updated' });
    }
  });

  it('an email alone and the same email with an external_id, racing, make one customer that has the external_id', async () => {
    const who = person('race-mixed');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => upload([index % 2 ? { email: who.email, first_name: 'Mixed' } : { ...who }])));
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(new Set(answers.map((answer) => answer.body.results[0].id)).size).toBe(1);
    const [byExternal] = (await upload([{ external_id: who.external_id }])).body.results;
    expect(byExternal.id).toBe(answers[0].body.results[0].id);
  });

  it('a deletion racing mailing-list additions leaves the customer in no list', async () => {
    const who = person('race-delete');
    const lists = Array.from({ length: 10 }, (_, index) => `race-del-${unique}-${index}`);
    await upload([{ ...who, mailing_lists: [lists[0]] }]);
    const answers = await Promise.all([
      ...lists.map((list) => upload([{ external_id: who.external_id, 'mailing_lists.add': [list] }])),
      upload([{ external_id: who.external_id, is_deleted: true }]),
    ]);
    for (const answer of answers) expect(answer.status).toBe(200);
    for (const list of lists) {
      const contacts = await rejoiner(`lists/${list}/contacts/`);
      if (contacts.status == 200) expect(contacts.body.results.map((contact: Json) => contact.email), list).not.toContain(who.email);
      else expect(contacts.status).toBe(404);
    }
    expect(await loyaltyByEmail(who.email)).toEqual([]);
  });
});

describe('a deleted customer', () => {
  /** Imports and deletes a customer; resolves its email and id. */
  async function deleted(label: string): Promise<{ email: string; external_id: string; id: string }> {
    const who = person(label);
    const created = await upload([{ ...who, first_name: 'Gone' }]);
    await upload([{ external_id: who.external_id, is_deleted: true }]);
    return { ...who, id: created.body.results[0].id };
  }

  // Seed 001: "A customer that has once been marked as deleted cannot be recovered"; README: hidden from every API.
  it("stays out of a mailing list's contacts when Rejoiner's REST adds its email: 409, and the answer shows nothing of it", async () => {
    const gone = await deleted('deleted-contact');
    const list = `deleted-contact-list-${unique}`;
    expect((await rejoiner('lists/', { method: 'POST', body: JSON.stringify({ name: list }) })).status).toBeLessThan(300);
    const lists = (await rejoiner('lists/?page_size=500')).body.results as Json[];
    const listId = lists.find((entry) => entry.name == list).id;
    const added = await rejoiner(`lists/${listId}/contacts/`, { method: 'POST', body: JSON.stringify({ email: gone.email, first_name: 'Back?' }) });
    expect(added.status).toBe(409);
    expect(JSON.stringify(added.body)).not.toContain(gone.id);
    expect(await contactEmails(listId)).not.toContain(gone.email);
    // REST 1.0's contact_add (which makes a missing list) refuses it too, and makes no list for it.
    const rest1List = `deleted-rest1-${unique}`;
    const path = `/api/1.0/site/${SITE.id}/contact_add`;
    const body = JSON.stringify({ email: gone.email, list_id: rest1List });
    const rest1 = await fetch(collector.url + path, { method: 'POST', headers: { authorization: authorizationHeader(SITE.key, SITE.secret, 'POST', path, body), 'content-type': 'application/json' }, body });
    expect(rest1.status).toBe(400);
    expect((await rejoiner(`lists/${rest1List}/contacts/`)).status).toBe(404);
    expect((await byEmail(gone.email)).status).toBe(404);
    expect((await loyalty(`customers/${gone.id}`)).status).toBe(404);
  });

  it("is not brought back or shown by Rejoiner's create-or-update of its email: 409", async () => {
    const gone = await deleted('deleted-upsert');
    const answer = await rejoiner('customers/', { method: 'POST', body: JSON.stringify({ email: gone.email, first_name: 'Back?' }) });
    expect(answer.status).toBe(409);
    expect(JSON.stringify(answer.body)).not.toContain(gone.id);
    expect((await byEmail(gone.email)).status).toBe(404);
    expect(await loyaltyByEmail(gone.email)).toEqual([]);
  });
});
