/**
 * The loyalty platform's customer listing over more than two pages (seed 002: "paged by 1000
 * results. Use X-Next-Page"), on a stable key (CONTRACTS.md "Paging, cost and logs"): 2,500
 * customers made by Custobar uploads of 1,000, every one seen exactly once and in order, also
 * while new customers keep arriving; `sort=updated`, where a customer updated during paging may
 * show again; a phone search that spans two pages; and pages that end inside a group of
 * customers created in the same millisecond (one beacon batch), where only the `id` half of the
 * key tells them apart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchBody, makeEvent, postBeacon, SHOP, startTestCollector, type TestCollector } from '../support/collector';

const TOKEN = 'shop_paging_token_0123456789abcd';
const SITE = { ...SHOP, token: TOKEN };
const PAGE = 1000;
const TOTAL = 2500;
/** Customers sharing one phone number: more than a page of them. */
const SHARED_PHONE = '+358 50 123 4567';
const SHARING = 1200;

/** Answers are checked field by field: loosely typed on purpose. */
type Json = any;

let collector: TestCollector;
/** The ids of the 2,500 customers, in the order they were created. */
const created: string[] = [];

async function upload(customers: unknown[]): Promise<Json[]> {
  const response = await fetch(`${collector.url}/api/customers/upload/`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${SITE.key}:${TOKEN}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ customers }),
  });
  const body = await response.json();
  expect(response.status, JSON.stringify(body).slice(0, 500)).toBe(200);
  expect(body.failed).toBe(0);
  return body.results;
}

interface Page {
  status: number;
  customers: Json[];
  next: string | null;
  link: string | null;
}

async function getPage(url: string): Promise<Page> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: response.status, customers: await response.json(), next: response.headers.get('x-next-page'), link: response.headers.get('link') };
}

const base = () => `${collector.url}/organizations/${SITE.id}/customers`;

/** Every page of a listing from `query`, following X-Next-Page (or the Link header); after page n, `between(n, page)` runs. */
async function pageAll(query: string, { viaLink = false, between = async (_n: number, _page: Page): Promise<void> => {} } = {}): Promise<Page[]> {
  const pages: Page[] = [];
  let url = `${base()}${query ? `?${query}` : ''}`;
  for (let n = 0; n < 100; n++) {
    const page = await getPage(url);
    expect(page.status).toBe(200);
    pages.push(page);
    if (!page.next) {
      expect(page.link).toBeNull();
      return pages;
    }
    const link = /^<([^>]+)>; rel="next"$/.exec(page.link ?? '');
    expect(link, page.link ?? 'no Link header').not.toBeNull();
    const search = new URLSearchParams(query);
    search.set('after', page.next);
    expect(link![1]).toBe(`${base()}?${search}`);
    await between(n, page);
    url = viaLink ? link![1] : `${base()}?${search}`;
  }
  throw new Error('more than 100 pages');
}

const idsOf = (pages: Page[]): string[] => pages.flatMap((page) => page.customers.map((customer: Json) => customer.id as string));
const countOf = (ids: string[]): Map<string, number> => ids.reduce((counts, id) => counts.set(id, (counts.get(id) ?? 0) + 1), new Map<string, number>());

beforeAll(async () => {
  collector = await startTestCollector({ sites: [SITE] });
  for (let start = 0; start < TOTAL; start += PAGE) {
    const customers = Array.from({ length: Math.min(PAGE, TOTAL - start) }, (_, offset) => {
      const n = start + offset;
      return { external_id: `paged-${n}`, email: `paged.${n}@paging.example`, first_name: `P${n}`, ...(n < SHARING ? { phone_number: SHARED_PHONE } : {}) };
    });
    const results = await upload(customers);
    expect(results.every((result) => result.status == 'created')).toBe(true);
    created.push(...results.map((result) => result.id as string));
  }
}, 300_000);
afterAll(() => collector?.dispose());

describe('sort=created (the default)', () => {
  it('pages 2,500 customers as 1000, 1000 and 500: every customer exactly once, oldest first', async () => {
    const pages = await pageAll('');
    expect(pages.map((page) => page.customers.length)).toEqual([1000, 1000, 500]);
    const ids = idsOf(pages);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice().sort()).toEqual(created.slice().sort());
    const times = pages.flatMap((page) => page.customers.map((customer: Json) => Date.parse(customer.createdAt)));
    for (let index = 1; index < times.length; index++) expect(times[index], `position ${index}`).toBeGreaterThanOrEqual(times[index - 1]);
    // Uploads are handled record after record: a later record is never listed before an earlier one
    // created a second or more before it.
    const position = new Map(ids.map((id, index) => [id, index]));
    expect(position.get(created[0])).toBeLessThan(position.get(created[TOTAL - 1])!);
    // The same listing again is the same order: the key is stable.
    expect(idsOf(await pageAll('sort=created', { viaLink: true }))).toEqual(ids);
  }, 120_000);

  it('never skips or repeats a customer that existed when paging began, while new ones keep arriving', async () => {
    const before = idsOf(await pageAll(''));
    const added: string[] = [];
    let adding = true;
    let batch = 0;
    const adder = (async () => {
      while (adding) {
        const results = await upload(Array.from({ length: 50 }, (_, n) => ({ external_id: `arriving-${batch}-${n}`, first_name: 'Arriving' })));
        added.push(...results.map((result) => result.id as string));
        batch++;
      }
    })();
    /** Resolves once another batch than `seen` has been stored (whatever the machine's speed). */
    const nextBatch = async (seen: number): Promise<void> => {
      while (batch == seen) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    // Some arrive before the first page, and more between every page: waited for, not timed, since
    // a loaded machine stored only one batch of 50 in the 1.5 s fixed pauses gave it.
    await nextBatch(0);
    const pages = await pageAll('', { between: () => nextBatch(batch) });
    adding = false;
    await adder;
    expect(batch).toBeGreaterThan(1);
    const counts = countOf(idsOf(pages));
    for (const id of before) expect(counts.get(id), id).toBe(1);
    for (const [id, count] of counts) expect(count, id).toBe(1);
    // Everything listed existed by then: nothing unknown shows up.
    const known = new Set([...before, ...added]);
    for (const id of counts.keys()) expect(known.has(id), id).toBe(true);
  }, 300_000);
});

describe('sort=updated', () => {
  it('pages on (updatedAt, id): a customer updated after it was seen shows again at the end, one not yet seen shows once', async () => {
    const seenEarly: string[] = [];
    let updatedSeen = '';
    let updatedUnseen = '';
    const pages = await pageAll('sort=updated', {
      between: async (n, first) => {
        if (n != 0) return;
        // After the first page: update one customer of it, and one the next pages hold.
        updatedSeen = first.customers[3].id;
        seenEarly.push(...first.customers.map((customer: Json) => customer.id));
        updatedUnseen = created.find((id) => !seenEarly.includes(id))!;
        const externalOf = async (id: string) => (await (await fetch(`${base()}/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()).firstName.slice(1);
        await upload([
          { external_id: `paged-${await externalOf(updatedSeen)}`, last_name: 'Updated while paging' },
          { external_id: `paged-${await externalOf(updatedUnseen)}`, last_name: 'Updated while paging' },
        ]);
      },
    });
    const ids = idsOf(pages);
    const counts = countOf(ids);
    // No customer is skipped.
    for (const id of created) expect(counts.get(id) ?? 0, id).toBeGreaterThanOrEqual(1);
    // The one seen before its update is shown again (documented), last, with its new data.
    expect(counts.get(updatedSeen)).toBe(2);
    expect(ids[ids.length - 1] == updatedSeen || ids[ids.length - 2] == updatedSeen).toBe(true);
    const all = pages.flatMap((page) => page.customers);
    expect(all.filter((customer: Json) => customer.id == updatedSeen).map((customer: Json) => customer.lastName)).toEqual(['', 'Updated while paging']);
    // The one not yet seen is shown once, after its update.
    expect(counts.get(updatedUnseen)).toBe(1);
    expect(all.find((customer: Json) => customer.id == updatedUnseen).lastName).toBe('Updated while paging');
    // Nobody else twice.
    for (const [id, count] of counts) if (id != updatedSeen) expect(count, id).toBe(1);
    // updatedAt never goes back along the listing.
    const times = all.map((customer: Json) => Date.parse(customer.updatedAt));
    for (let index = 1; index < times.length; index++) expect(times[index], `position ${index}`).toBeGreaterThanOrEqual(times[index - 1]);
  }, 120_000);

  it("refuses an after made for the other sort", async () => {
    const created = await getPage(base());
    const updated = await getPage(`${base()}?sort=updated`);
    expect(created.next && updated.next).toBeTruthy();
    expect((await getPage(`${base()}?sort=updated&after=${encodeURIComponent(created.next!)}`)).status).toBe(400);
    expect((await getPage(`${base()}?after=${encodeURIComponent(updated.next!)}`)).status).toBe(400);
  });
});

describe('a search over more than one page', () => {
  it(`pages the ${SHARING} customers of one phone number as 1000 and ${SHARING - 1000}, keeping the search in the next link`, async () => {
    const query = new URLSearchParams({ phoneNumber: '+358501234567' }).toString();
    const pages = await pageAll(query, { viaLink: true });
    expect(pages.map((page) => page.customers.length)).toEqual([1000, SHARING - 1000]);
    const ids = idsOf(pages);
    expect(new Set(ids).size).toBe(SHARING);
    expect(ids.slice().sort()).toEqual(created.slice(0, SHARING).sort());
    expect(pages[0].link).toContain('phoneNumber=');
  }, 60_000);
});

describe('customers created in the same millisecond', () => {
  let same: TestCollector;
  const ids: string[] = [];
  const BATCH = 1250;
  beforeAll(async () => {
    same = await startTestCollector({ sites: [SITE] });
    // One beacon batch is one transaction: its new customers share their creation time.
    for (let batch = 0; batch < 2; batch++) {
      const events = Array.from({ length: BATCH }, (_, n) => {
        const visitor = `same-ms-${batch}-${n}`;
        return makeEvent({ visitor, session: `${visitor}-s`, type: 'customer_email', data: { email: `same.${batch}.${n}@paging.example`, source: 'form' } });
      });
      const response = await postBeacon(same.url, batchBody(events));
      expect(response.status).toBe(200);
      expect((await response.json()).accepted).toBe(BATCH);
    }
  }, 120_000);
  afterAll(() => same?.dispose());

  const pageAllOf = async (query: string): Promise<Page[]> => {
    const pages: Page[] = [];
    let url = `${same.url}/organizations/${SITE.id}/customers${query ? `?${query}&` : '?'}`;
    for (let n = 0; n < 20; n++) {
      const page = await getPage(url);
      expect(page.status).toBe(200);
      pages.push(page);
      if (!page.next) return pages;
      url = `${same.url}/organizations/${SITE.id}/customers?${query ? `${query}&` : ''}after=${encodeURIComponent(page.next)}`;
    }
    throw new Error('more than 20 pages');
  };

  it.each(['', 'sort=updated'])('lists each of them exactly once across pages (%s)', async (query) => {
    const pages = await pageAllOf(query);
    expect(pages.map((page) => page.customers.length)).toEqual([1000, 1000, 500]);
    // Pages really end inside a group of one instant.
    const created = pages.flatMap((page) => page.customers.map((customer: Json) => customer.createdAt as string));
    expect(created[999]).toBe(created[1000]);
    const all = idsOf(pages);
    ids.splice(0, ids.length, ...all);
    expect(new Set(all).size).toBe(2 * BATCH);
  }, 60_000);
});

