/**
 * Helpers of the HubRise API tests (seed 004): sites with tokens, currencies and time zones, a
 * request helper that speaks as a HubRise client (X-Access-Token, JSON), and row counts read
 * straight from the database of either engine (what a purge left, which no API shows).
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { SiteConfig } from '../../src/collector/sites';
import { OTHER, SHOP, testEngine, type TestCollector } from './collector';

export const SHOP_TOKEN = 'hubrise_shop_token_0123456789';
export const OTHER_TOKEN = 'hubrise_other_token_012345678';
/** The shop in London money and Paris time (so offsets show), the other site with defaults. */
export const HUBRISE_SITES: SiteConfig[] = [
  { ...SHOP, token: SHOP_TOKEN, currency: 'GBP', timezone: 'Europe/Paris' },
  { ...OTHER, token: OTHER_TOKEN },
];

export interface HubriseAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A request as a HubRise client sends it; `body` a value (sent as JSON) or raw text. */
export async function hubrise(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  { token = SHOP_TOKEN as string | null, headers = {} as Record<string, string> } = {},
): Promise<HubriseAnswer> {
  const sent: Record<string, string> = { ...headers };
  if (token !== null) sent['x-access-token'] = token;
  if (body !== undefined) sent['content-type'] = 'application/json';
  const response = await fetch(base + path, { method, headers: sent, body: body === undefined ? undefined : typeof body == 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Like `hubrise`, but fails the test unless the answer is a 200; resolves the body. */
export async function ok(base: string, method: string, path: string, body?: unknown, options?: Parameters<typeof hubrise>[4]) {
  const answer = await hubrise(base, method, path, body, options);
  if (answer.status != 200) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Every page of an index endpoint, following X-Cursor-Next; `onPage` runs between pages. */
export async function allPages(base: string, path: string, { token = SHOP_TOKEN, onPage = async (_page: number) => {} } = {}) {
  const rows: unknown[] = [];
  const pages: number[] = [];
  for (let cursor: string | null = null, page = 0; ; page++) {
    const url = cursor === null ? path : `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`;
    const answer = await hubrise(base, 'GET', url, undefined, { token });
    if (answer.status != 200) throw new Error(`GET ${url}: ${answer.status} ${JSON.stringify(answer.body)}`);
    rows.push(...answer.body);
    pages.push(answer.body.length);
    cursor = answer.headers.get('x-cursor-next');
    if (cursor === null) return { rows, pages };
    await onPage(page);
  }
}

/** One number read straight from the collector's database (SQLite file or PostgreSQL). */
export async function countRows(collector: Pick<TestCollector, 'db' | 'dbPath'>, sql: string, params: unknown[] = []): Promise<number> {
  if (testEngine() == 'sqlite') {
    const db = new Database(collector.dbPath, { readonly: true });
    try {
      return Number(db.prepare(sql.replace(/\$\d+/g, '?')).pluck().get(...params));
    } finally {
      db.close();
    }
  }
  const client = new pg.Client(collector.db);
  await client.connect();
  try {
    const { rows } = await client.query(sql, params);
    return Number(Object.values(rows[0])[0]);
  } finally {
    await client.end();
  }
}

/** Runs a statement straight on the collector's database (to stage what a crash would leave). */
export async function runSql(collector: Pick<TestCollector, 'db' | 'dbPath'>, sql: string, params: unknown[] = []): Promise<void> {
  if (testEngine() == 'sqlite') {
    const db = new Database(collector.dbPath);
    try {
      db.prepare(sql.replace(/\$\d+/g, '?')).run(...params);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client(collector.db);
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** Resolves once `check` holds, polling (a purge runs in the background). */
export async function eventually(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  for (const deadline = Date.now() + ms; ; ) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition still false after waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
