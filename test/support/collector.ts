/**
 * Shared helpers of the collector tests: a real collector on a free loopback port with a fresh
 * database of the engine the test project runs (vitest projects "sqlite" and "postgres" run
 * test/conformance on each; everything else runs on SQLite), event/batch builders and a signed
 * request helper.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { startCollector, type CollectorOptions, type RunningCollector } from '../../src/collector/collector';
import type { SiteConfig as Site } from '../../src/collector/sites';
import { authorizationHeader } from '../../src/node/sign';
import type { WireEvent } from '../../src/protocol/types';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The engine of this test project. */
    engine: 'sqlite' | 'postgres';
    /** The throwaway server's admin URL (postgres project only). */
    postgresUrl: string;
  }
}

export const SHOP: Site = {
  id: 'shop',
  origins: ['https://shop.example', 'https://*.shop.example'],
  key: 'shop-key',
  secret: 'shop-secret',
};
export const OTHER: Site = { id: 'other', origins: ['https://other.example'], key: 'other-key', secret: 'other-secret' };
export const ORIGIN = 'https://shop.example';

/** The engine the running test project uses. */
export const testEngine = (): 'sqlite' | 'postgres' => inject('engine') ?? 'sqlite';

export interface TestDatabase {
  /** A SQLite file path or a PostgreSQL URL, for `--db`. */
  db: string;
  /** The SQLite file (SQLite only). */
  dbPath: string;
  /** Deletes the database. */
  drop(): Promise<void>;
}

let databases = 0;

/** A fresh, empty database of the test project's engine. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'collector-test-'));
  const dbPath = join(dir, 'db', 'collector.db');
  if (testEngine() == 'sqlite') return { db: dbPath, dbPath, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  const admin = inject('postgresUrl');
  const name = `test_${process.pid}_${Date.now().toString(36)}_${++databases}`;
  const client = new pg.Client(admin);
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    db: url.toString(),
    dbPath,
    async drop() {
      rmSync(dir, { recursive: true, force: true });
      const dropper = new pg.Client(admin);
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

export interface TestCollector extends RunningCollector {
  dir: string;
  /** `--db` of this collector: a SQLite file or a PostgreSQL URL. */
  db: string;
  /** The SQLite file (SQLite only). */
  dbPath: string;
  /** Closes the collector and deletes its database. */
  dispose(): Promise<void>;
}

/** Starts a real collector on 127.0.0.1 with a fresh database. */
export async function startTestCollector(options: CollectorOptions = {}): Promise<TestCollector> {
  const database = await createTestDatabase();
  const collector = await startCollector({ port: 0, host: '127.0.0.1', db: database.db, sites: [SHOP, OTHER], ...options });
  return {
    ...collector,
    dir: join(database.dbPath, '..', '..'),
    db: database.db,
    dbPath: database.dbPath,
    async dispose() {
      await collector.close();
      await database.drop();
    },
  };
}

let counter = 0;

/** A valid event; `overrides` replace envelope fields. */
export function makeEvent(overrides: Partial<WireEvent> & Record<string, unknown> = {}): WireEvent {
  counter++;
  return {
    id: `evt-${process.pid}-${Date.now().toString(36)}-${counter}`,
    seq: counter,
    type: 'page_view',
    ts: 1763700000000 + counter,
    visitor: 'visitor-1',
    session: 'session-1',
    order: null,
    url: 'https://shop.example/',
    data: { url: 'https://shop.example/', title: 'Home', referrer: '' },
    ...overrides,
  } as WireEvent;
}

/** The JSON body of a batch for `site`. */
export const batchBody = (events: unknown[], site = SHOP.id): string =>
  JSON.stringify({ v: 4, lib: '1.0.0', site, sent_at: Date.now(), events });

/** POSTs a beacon body like the library does (text/plain, with an Origin). */
export function postBeacon(
  base: string,
  body: string,
  { site = SHOP.id, origin = ORIGIN as string | null } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'text/plain;charset=UTF-8' };
  if (origin !== null) headers.origin = origin;
  return fetch(`${base}/v4/${encodeURIComponent(site)}`, { method: 'POST', headers, body });
}

/** Sends a signed REST request; `path` is signed exactly as given. */
export function signedRequest(
  base: string,
  method: string,
  path: string,
  payload?: unknown,
  { key = SHOP.key, secret = SHOP.secret, authorization }: { key?: string; secret?: string; authorization?: string | null } = {},
): Promise<Response> {
  const body = payload === undefined ? '' : typeof payload == 'string' ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const header = authorization === undefined ? authorizationHeader(key, secret, method, path, body) : authorization;
  if (header !== null) headers.authorization = header;
  return fetch(base + path, { method, headers, body: method == 'GET' ? undefined : body });
}

/** Every event of a site through the export endpoint. */
export async function exportAll(base: string, site: Site = SHOP, after?: string): Promise<WireEvent[]> {
  const path = `/api/v1/${site.id}/events/${after ? `?after=${after}` : ''}`;
  const response = await signedRequest(base, 'GET', path, undefined, { key: site.key, secret: site.secret });
  if (response.status != 200) throw new Error(`export: ${response.status} ${await response.text()}`);
  const text = await response.text();
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as WireEvent);
}

/** The inspector's view (see src/collector/inspector/inspector-view.ts), loosely typed for tests. */
export interface InspectorSnapshot {
  sessions: Record<string, unknown>[];
  orders: Record<string, unknown>[];
  customers: Record<string, unknown>[];
}

/** Opens /inspector/events, returns the first snapshot frame, and disconnects. */
export async function readInspectorSnapshot(base: string, query = '', headers: Record<string, string> = {}): Promise<InspectorSnapshot> {
  const controller = new AbortController();
  const response = await fetch(`${base}/inspector/events${query}`, { signal: controller.signal, headers });
  if (response.status != 200) throw new Error(`inspector: ${response.status} ${await response.text()}`);
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      const match = /event: snapshot\ndata: (.*)\n\n/.exec(text);
      if (match) return JSON.parse(match[1]) as InspectorSnapshot;
    }
  } finally {
    controller.abort();
  }
  throw new Error('inspector stream ended without a snapshot');
}
