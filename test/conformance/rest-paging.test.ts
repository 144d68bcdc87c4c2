/**
 * Paged listings (REJOINER-API.md "Paged lists", CONTRACTS.md "Paging, cost and logs"):
 * `{count, next, previous, results}`, `?page=N` from 1, `next` links followed until null give
 * every record exactly once even while others are added, and `page_size` within its bounds.
 * Covers `lists/{id}/contacts/` and `lists/` on v1 and v2 and REST 1.0 `lists`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationHeader } from '../../src/node/sign';
import type { WireEvent } from '../../src/protocol/types';
import { batchBody, makeEvent, OTHER, postBeacon, SHOP, startTestCollector, type TestCollector } from '../support/collector';

const TOKEN = 'shop_paging_token_0123456789abcd';
const SITE = { ...SHOP, token: TOKEN };

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector({ sites: [SITE, OTHER] });
});
afterAll(() => collector?.dispose());

type Auth = 'signed' | 'bearer';
interface Answer {
  status: number;
  raw: string;
  json: any;
}

/** `target` is a path with its query, or an absolute URL from a `next`/`previous` link. */
async function call(method: string, target: string, body?: unknown, auth: Auth = 'signed'): Promise<Answer> {
  const url = new URL(target, collector.url);
  const path = url.pathname + url.search;
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = {
    authorization: auth == 'bearer' ? `Rejoiner ${TOKEN}` : authorizationHeader(SITE.key, SITE.secret, method, path, text),
  };
  if (method != 'GET') headers['content-type'] = 'application/json';
  const response = await fetch(url, { method, headers, body: method == 'GET' ? undefined : text });
  const raw = await response.text();
  let json: unknown;
  try {
    json = raw ? JSON.parse(raw) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, raw, json };
}

async function get(target: string, auth: Auth = 'signed'): Promise<any> {
  const answer = await call('GET', target, undefined, auth);
  expect(answer.status, `${target}: ${answer.raw}`).toBe(200);
  expect(Object.keys(answer.json).sort()).toEqual(['count', 'next', 'previous', 'results']);
  return answer.json;
}

async function newList(name: string): Promise<string> {
  const answer = await call('POST', '/api/v2/shop/lists/', { name });
  expect(answer.status, answer.raw).toBe(201);
  return answer.json.id;
}

/** Adds contacts through a beacon batch of subscribeToList events (one request, as a shop's page would). */
async function subscribe(listId: string, emails: string[]): Promise<void> {
  let seq = 0;
  const events: WireEvent[] = emails.map((email) =>
    makeEvent({ type: 'list_subscription', data: { email, list_id: listId }, visitor: `paging-${listId}`, session: `paging-${listId}-s`, seq: ++seq }),
  );
  const response = await postBeacon(collector.url, batchBody(events));
  expect(await response.json()).toMatchObject({ accepted: events.length, rejected: [] });
}

async function addContact(listId: string, email: string, gen: 'v1' | 'v2' = 'v2'): Promise<void> {
  const answer = await call('POST', `/api/${gen}/shop/lists/${listId}/contacts/`, { email });
  expect(answer.status, answer.raw).toBeLessThan(300);
}

/** Every page from `first`, following `next` until null; `between` runs after each page. */
async function follow(first: string, between: (page: number) => Promise<void> = async () => {}, auth: Auth = 'signed') {
  const pages: any[] = [];
  let target: string | null = first;
  while (target && pages.length < 500) {
    const page = await get(target, auth);
    pages.push(page);
    await between(pages.length);
    target = page.next;
  }
  expect(target).toBeNull();
  return pages;
}

const emailsOf = (pages: any[]): string[] => pages.flatMap((page) => page.results.map((contact: any) => contact.email));
const range = (count: number, name: (index: number) => string) => Array.from({ length: count }, (_, index) => name(index));

describe.each(['v1', 'v2'] as const)('lists/{id}/contacts/ on %s', (gen) => {
  let listId: string;
  const emails = range(8, (index) => `paged.${gen}.${index}@shop.example`);
  beforeAll(async () => {
    listId = await newList(`Paged ${gen}`);
    for (const email of emails) await addContact(listId, email, gen);
  });
  const path = () => `/api/${gen}/shop/lists/${listId}/contacts/`;

  it('answers {count, next, previous, results}: page 1 has no previous, next is a link to page 2 of the same listing', async () => {
    const page = await get(`${path()}?page_size=3`);
    expect(page.count).toBe(8);
    expect(page.previous).toBeNull();
    expect(page.results).toHaveLength(3);
    const next = new URL(page.next);
    expect(next.pathname).toBe(path());
    expect(next.searchParams.get('page')).toBe('2');
    expect(next.searchParams.get('page_size')).toBe('3');
  });

  it('?page=N counts from 1 and the pages are disjoint and complete', async () => {
    const pages = [await get(`${path()}?page=1&page_size=3`), await get(`${path()}?page=2&page_size=3`), await get(`${path()}?page=3&page_size=3`)];
    expect(pages.map((page) => page.results.length)).toEqual([3, 3, 2]);
    expect(pages[2].next).toBeNull();
    expect(emailsOf(pages).sort()).toEqual([...emails].sort());
    expect(pages.every((page) => page.count == 8)).toBe(true);
    expect((await get(`${path()}?page_size=3`)).results).toEqual(pages[0].results);
  });

  it('previous links lead back to the page before', async () => {
    const third = await get(`${path()}?page=3&page_size=3`);
    expect(third.previous).not.toBeNull();
    const second = await get(third.previous);
    expect(second.results).toEqual((await get(`${path()}?page=2&page_size=3`)).results);
    const first = await get(second.previous);
    expect(first.previous).toBeNull();
    expect(first.results).toEqual((await get(`${path()}?page_size=3`)).results);
  });

  it.each(['signed', 'bearer'] as const)('following next until null (%s) gives every contact exactly once', async (auth) => {
    const pages = await follow(`${path()}?page_size=3`, undefined, auth);
    expect(pages).toHaveLength(3);
    const seen = emailsOf(pages);
    expect(seen).toHaveLength(8);
    expect([...seen].sort()).toEqual([...emails].sort());
  });

  it('the last page of an exact multiple has next null', async () => {
    const pages = await follow(`${path()}?page_size=4`);
    expect(pages.map((page) => page.results.length)).toEqual([4, 4]);
  });
});

describe('concurrent writes while a client pages', () => {
  it('contacts added (new ones, and ones already listed) while following next never make a contact skipped or repeated', async () => {
    const listId = await newList('Busy list');
    const initial = range(30, (index) => `busy.${String(index).padStart(2, '0')}@shop.example`);
    await subscribe(listId, initial.slice(0, 15));
    for (const email of initial.slice(15)) await addContact(listId, email);
    let added = 0;
    const pages = await follow(`/api/v2/shop/lists/${listId}/contacts/?page_size=4`, async (page) => {
      // New contacts, through both writers, and contacts already on the list added again.
      await Promise.all([
        addContact(listId, `busy.new.${page}.a@shop.example`),
        subscribe(listId, [`busy.new.${page}.b@shop.example`, initial[(page * 7) % initial.length]]),
        addContact(listId, initial[(page * 3) % initial.length], 'v1'),
        call('POST', '/api/1.0/site/shop/contact_add', { email: initial[(page * 5) % initial.length], list_id: listId }),
      ]);
      added += 2;
    });
    const seen = emailsOf(pages);
    const repeated = seen.filter((email, index) => seen.indexOf(email) != index);
    expect(repeated).toEqual([]);
    expect(initial.filter((email) => !seen.includes(email))).toEqual([]);
    // Once paging is over, the listing holds every contact, old and new, once.
    const after = emailsOf(await follow(`/api/v1/shop/lists/${listId}/contacts/?page_size=50`));
    expect(after).toHaveLength(30 + added);
    expect(new Set(after).size).toBe(after.length);
    expect((await get(`/api/v2/shop/lists/${listId}/contacts/`)).count).toBe(30 + added);
  });

  it('contacts added concurrently with the page reads themselves never make a contact skipped or repeated', async () => {
    const listId = await newList('Racing list');
    const initial = range(20, (index) => `race.${index}@shop.example`);
    await subscribe(listId, initial);
    const pages: any[] = [];
    let target: string | null = `/api/v2/shop/lists/${listId}/contacts/?page_size=3`;
    let round = 0;
    while (target && pages.length < 100) {
      round++;
      const [page]: [any, ...unknown[]] = await Promise.all([
        get(target),
        addContact(listId, `race.new.${round}@shop.example`),
        subscribe(listId, [`race.beacon.${round}@shop.example`]),
      ]);
      pages.push(page);
      target = page.next;
    }
    const seen = emailsOf(pages);
    expect(seen.filter((email, index) => seen.indexOf(email) != index)).toEqual([]);
    expect(initial.filter((email) => !seen.includes(email))).toEqual([]);
  });

  it('contacts removed after their page was read do not make a later contact skipped', async () => {
    const listId = await newList('Shrinking list');
    const initial = range(12, (index) => `shrink.${index}@shop.example`);
    await subscribe(listId, initial);
    const first = await get(`/api/v2/shop/lists/${listId}/contacts/?page_size=4`);
    const read = emailsOf([first]);
    for (const email of read) expect((await call('POST', `/api/v2/shop/lists/${listId}/contacts/remove/`, { email })).status).toBe(200);
    const rest = await follow(first.next);
    const seen = [...read, ...emailsOf(rest)];
    expect(seen.filter((email, index) => seen.indexOf(email) != index)).toEqual([]);
    expect(initial.filter((email) => !seen.includes(email))).toEqual([]);
  });
});

describe('lists/ and REST 1.0 lists', () => {
  let ids: string[] = [];
  beforeAll(async () => {
    ids = [];
    for (let index = 0; index < 5; index++) ids.push(await newList(`Listing ${index}`));
  });

  it.each(['/api/v1/shop/lists/', '/api/v2/shop/lists/', '/api/1.0/site/shop/lists'])('%s pages with next links and count', async (path) => {
    const first = await get(`${path}?page_size=2`);
    const pages = await follow(`${path}?page_size=2`);
    const seen = pages.flatMap((page) => page.results.map((list: any) => list.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(seen).toHaveLength(first.count);
    expect(pages.every((page) => page.results.length <= 2)).toBe(true);
    expect(new URL(first.next).pathname).toBe(path);
  });
});

describe('page_size and page bounds', () => {
  let listId: string;
  beforeAll(async () => {
    listId = await newList('Bounds');
    await subscribe(listId, range(120, (index) => `bounds.${index}@shop.example`));
  });
  const path = () => `/api/v2/shop/lists/${listId}/contacts/`;

  it('answers 100 contacts a page by default', async () => {
    const page = await get(path());
    expect(page.count).toBe(120);
    expect(page.results).toHaveLength(100);
    expect(page.next).not.toBeNull();
    expect((await get(page.next)).results).toHaveLength(20);
  });

  it.each([
    ['1', 1],
    ['500', 120],
    ['120', 120],
    ['119', 119],
  ])('accepts page_size=%s', async (size, length) => {
    const page = await get(`${path()}?page_size=${size}`);
    expect(page.results).toHaveLength(length);
    expect(page.next === null).toBe(length == 120);
  });

  it.each(['page_size=0', 'page_size=501', 'page_size=-1', 'page_size=abc', 'page_size=2.5', 'page=0', 'page=-1', 'page=abc', 'page=1.5'])(
    'refuses %s with 400 and a reason',
    async (query) => {
      for (const listing of [path(), '/api/v1/shop/lists/', '/api/1.0/site/shop/lists']) {
        const answer = await call('GET', `${listing}?${query}`);
        expect(answer.status, `${listing}?${query}: ${answer.raw}`).toBe(400);
        expect(answer.json).toEqual({ error: expect.stringMatching(/\S/) });
      }
    },
  );
});
