/**
 * Custobar's `date_joined` and `last_login` (seed 001): "If the timezone is not given, the
 * timezone will be defaulted to the timezone configured" — here the site's `timezone` in the
 * sites file (CONTRACTS.md), kept as UTC. No API of the collector shows these two fields (neither
 * Rejoiner's customer JSON nor the loyalty platform's has them), so what was stored is read from
 * the database itself, on each engine; what is refused is seen in the upload's answer.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTHER, SHOP, startTestCollector, testEngine, type TestCollector } from '../support/collector';

const HELSINKI = { ...SHOP, token: 'shop_dates_token_0123456789abcdef', timezone: 'Europe/Helsinki' };
/** No timezone in the sites file: UTC. */
const UTC_SITE = { ...OTHER, token: 'other_dates_token_0123456789abcde' };
const NEW_YORK = { id: 'newyork', origins: ['https://ny.example'], key: 'newyork-key', secret: 'newyork-secret', token: 'newyork_dates_token_0123456789ab', timezone: 'America/New_York' };

/** Answers are checked field by field: loosely typed on purpose. */
type Json = any;

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({ sites: [HELSINKI, UTC_SITE, NEW_YORK] });
});
afterAll(() => collector?.dispose());

type TestSite = { key: string; token: string };
const authOf = (site: TestSite): string => `Basic ${Buffer.from(`${site.key}:${site.token}`).toString('base64')}`;

async function upload(customers: unknown[], site: TestSite = HELSINKI): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${collector.url}/api/customers/upload/`, {
    method: 'POST',
    headers: { authorization: authOf(site), 'content-type': 'application/json' },
    body: JSON.stringify({ customers }),
  });
  return { status: response.status, body: await response.json() };
}

/** The stored profile (JSON) of a customer, straight from the database of this engine. */
async function storedProfile(id: string): Promise<Record<string, unknown>> {
  if (testEngine() == 'sqlite') {
    const db = new Database(collector.dbPath, { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT profile FROM customers WHERE id = ?').get(id) as { profile: string } | undefined;
      return JSON.parse(row!.profile);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client(collector.db);
  await client.connect();
  try {
    const { rows } = await client.query('SELECT profile FROM customers WHERE id = $1', [id]);
    return typeof rows[0].profile == 'string' ? JSON.parse(rows[0].profile) : rows[0].profile;
  } finally {
    await client.end();
  }
}

let unique = 0;
/** Imports one customer with `fields` and resolves its stored profile. */
async function importDates(fields: Record<string, unknown>, site: TestSite = HELSINKI): Promise<Record<string, unknown>> {
  unique++;
  const answer = await upload([{ external_id: `dates-${unique}`, ...fields }], site);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return storedProfile(answer.body.results[0].id);
}

describe('in a site whose timezone is Europe/Helsinki', () => {
  // [sent, stored in UTC]
  const CASES: [string, string][] = [
    // The seed's own forms.
    ['2015-08-28T14:10:00Z', '2015-08-28T14:10:00.000Z'],
    ['2015-08-28', '2015-08-27T21:00:00.000Z'], // summer: EEST, UTC+3
    ['2015-11-23T13:11:23Z', '2015-11-23T13:11:23.000Z'],
    // Winter (EET, UTC+2) and summer (EEST, UTC+3) without a zone.
    ['2015-01-15', '2015-01-14T22:00:00.000Z'],
    ['2015-01-15T12:00:00', '2015-01-15T10:00:00.000Z'],
    ['2015-07-15T12:00:00', '2015-07-15T09:00:00.000Z'],
    ['2015-12-31T23:30:00', '2015-12-31T21:30:00.000Z'],
    // With a zone, the zone given wins.
    ['2015-07-15T12:00:00+02:00', '2015-07-15T10:00:00.000Z'],
    ['2015-01-15T12:00:00-05:00', '2015-01-15T17:00:00.000Z'],
    ['2015-01-15T12:00:00.250Z', '2015-01-15T12:00:00.250Z'],
    // The day after the spring change, and the day after the autumn one.
    ['2015-03-30T12:00:00', '2015-03-30T09:00:00.000Z'],
    ['2015-10-26T12:00:00', '2015-10-26T10:00:00.000Z'],
  ];
  it.each(CASES)('date_joined %s is kept as %s', async (sent, stored) => {
    expect((await importDates({ date_joined: sent })).date_joined).toBe(stored);
  });
  it.each(CASES)('last_login %s is kept as %s', async (sent, stored) => {
    expect((await importDates({ last_login: sent })).last_login).toBe(stored);
  });

  it('keeps the dates when a later import does not name them, and "" removes them', async () => {
    unique++;
    const external_id = `dates-merge-${unique}`;
    const first = await upload([{ external_id, date_joined: '2015-01-15T12:00:00', last_login: '2015-07-15T12:00:00' }]);
    const id = first.body.results[0].id;
    await upload([{ external_id, first_name: 'Later' }]);
    expect(await storedProfile(id)).toMatchObject({ date_joined: '2015-01-15T10:00:00.000Z', last_login: '2015-07-15T09:00:00.000Z' });
    await upload([{ external_id, last_login: '' }]);
    const profile = await storedProfile(id);
    expect(profile.date_joined).toBe('2015-01-15T10:00:00.000Z');
    expect(profile).not.toHaveProperty('last_login');
  });
});

describe('in other sites', () => {
  it('reads a date without a zone as UTC in a site without a timezone', async () => {
    expect((await importDates({ date_joined: '2015-07-15T12:00:00' }, UTC_SITE)).date_joined).toBe('2015-07-15T12:00:00.000Z');
    expect((await importDates({ date_joined: '2015-01-15' }, UTC_SITE)).date_joined).toBe('2015-01-15T00:00:00.000Z');
  });

  it('reads it in America/New_York: UTC-5 in winter, UTC-4 in summer', async () => {
    expect((await importDates({ date_joined: '2015-01-15T12:00:00' }, NEW_YORK)).date_joined).toBe('2015-01-15T17:00:00.000Z');
    expect((await importDates({ date_joined: '2015-07-15T12:00:00' }, NEW_YORK)).date_joined).toBe('2015-07-15T16:00:00.000Z');
  });
});

describe('dates that are not dates', () => {
  const IMPOSSIBLE = ['2015-02-30', '2015-02-29T10:00:00', '2015-04-31T00:00:00Z', '2015-13-01', '2015-00-10', '2015-08-28T24:00:00Z', '2015-08-28T23:60:00Z'];
  it.each(IMPOSSIBLE)('%s refuses its record', async (value) => {
    for (const field of ['date_joined', 'last_login']) {
      const answer = await upload([{ external_id: `impossible-${++unique}`, [field]: value }]);
      expect(answer.status, field).toBe(400);
      expect(answer.body.results[0].error, field).toContain(field);
    }
  });

  const BAD_OFFSETS = ['2015-08-28T14:10:00+99:99', '2015-08-28T14:10:00+25:00', '2015-08-28T14:10:00+02:75', '2015-08-28T14:10:00-24:30'];
  it.each(BAD_OFFSETS)('%s (an offset no zone has) refuses its record', async (value) => {
    const answer = await upload([{ external_id: `bad-offset-${++unique}`, date_joined: value }]);
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.results[0].error).toContain('date_joined');
  });

  it('a year before 1000 is kept as that year or refused, never moved to the 1900s', async () => {
    unique++;
    const answer = await upload([{ external_id: `ancient-${unique}`, date_joined: '0050-06-01T00:00:00Z' }]);
    if (answer.status == 200) {
      const stored = (await storedProfile(answer.body.results[0].id)).date_joined as string;
      expect(stored).toBe('0050-06-01T00:00:00.000Z');
    } else expect(answer.status).toBe(400);
  });
});
