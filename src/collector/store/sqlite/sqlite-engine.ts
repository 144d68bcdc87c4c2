/**
 * The SQLite engine (better-sqlite3, WAL): the embedded default. One write connection runs one
 * transaction at a time (SQLite has one writer; record locks are not needed); reads use a
 * second connection, which sees only committed data and never waits for the writer.
 *
 * The database may be locked by another process (a backup, an operator's sqlite3 shell).
 * better-sqlite3 waits for a lock synchronously, which would stop every request of the
 * collector, so the connections never wait (`busy_timeout = 0`): a transaction that finds the
 * database locked is retried a few times on timers, while health checks, the dashboard and
 * static files keep answering, and then fails with StoreUnavailableError (a 503 with
 * Retry-After for beacons).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { StoreUnavailableError, type Engine } from '../engine';
import { createSqliteExporter } from './sqlite-export';
import { prepareDatabase, type SyncMode } from './sqlite-migrations';
import { createSqliteReader, createSqliteRecordTx } from './sqlite-records';

export interface SqliteEngineOptions {
  /** Database file; its folder is created when missing. */
  path: string;
  /** @default 'full' */
  sync?: SyncMode;
  /** How long a transaction keeps trying a locked database. @default 1000 */
  lockWaitMs?: number;
}

/** Error codes that mean "not now" rather than "this write is wrong". */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|PROTOCOL|NOMEM|READONLY)/;

const codeOf = (error: unknown): string => String((error as { code?: unknown })?.code ?? '');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Turns a driver error that means "try later" into StoreUnavailableError; others pass through. */
export function asUnavailable(error: unknown): unknown {
  const code = codeOf(error);
  if (!UNAVAILABLE.test(code)) return error;
  return new StoreUnavailableError(code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') ? 'the database is locked by another process' : `the database failed (${code})`);
}

export function createSqliteEngine({ path, sync = 'full', lockWaitMs = 1000 }: SqliteEngineOptions): Engine {
  mkdirSync(dirname(path), { recursive: true });
  const writer = new Database(path);
  let reader: Db;
  try {
    prepareDatabase(writer, sync);
    reader = new Database(path, { readonly: true, fileMustExist: true });
    reader.pragma('busy_timeout = 0');
  } catch (error) {
    writer.close();
    throw error;
  }
  const tx = createSqliteRecordTx(writer);
  const statements = {
    begin: writer.prepare('BEGIN IMMEDIATE'),
    commit: writer.prepare('COMMIT'),
    rollback: writer.prepare('ROLLBACK'),
  };
  const reads = createSqliteReader(reader);
  /** The file the connections opened: a file removed or replaced under them is not ready. */
  const opened = statSync(path);
  const exporter = createSqliteExporter(writer, path);
  /** The transaction running now: the next one starts after it. */
  let tail: Promise<unknown> = Promise.resolve();

  /** BEGIN IMMEDIATE takes the write lock now, or fails at once when another process has it. */
  const begin = async (): Promise<void> => {
    const deadline = Date.now() + lockWaitMs;
    for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
      try {
        statements.begin.run();
        return;
      } catch (error) {
        const unavailable = asUnavailable(error);
        if (!codeOf(error).startsWith('SQLITE_BUSY') || Date.now() + wait > deadline) throw unavailable;
        await sleep(wait);
      }
    }
  };

  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    await begin();
    try {
      const result = await work();
      statements.commit.run();
      return result;
    } catch (error) {
      if (writer.inTransaction) statements.rollback.run();
      throw asUnavailable(error);
    }
  };

  const engine: Engine = {
    name: 'sqlite',
    transaction(_locks, work) {
      const result = tail.then(() => run(() => work(tx)));
      tail = result.catch(() => {});
      return result;
    },
    reads: new Proxy(reads, {
      // A read that finds the database locked (rare with WAL) is "try later", not a bug.
      get: (target, name) => {
        const read = target[name as keyof typeof target] as (...args: unknown[]) => Promise<unknown>;
        return async (...args: unknown[]) => {
          try {
            return await read(...args);
          } catch (error) {
            throw asUnavailable(error);
          }
        };
      },
    }),
    exportEvents: async (site, after, limit) => exporter.open(site, after === undefined ? 0 : Number(after), limit),
    isCursor: (cursor) => /^\d{1,15}$/.test(cursor),
    async afterErasure() {
      // The write-ahead log still holds the pages as they were before the erasure: copy it into
      // the database and truncate it to nothing. An export reading an older snapshot holds the
      // log; wait for it a while, as for a lock.
      await tail;
      for (const deadline = Date.now() + 10_000; ; ) {
        const [result] = writer.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number }[];
        if (!result.busy && result.log == 0) return;
        if (Date.now() > deadline) throw new StoreUnavailableError('erased, but the write-ahead log is still read by an export; retry to finish', 5);
        await sleep(100);
      }
    },
    async ping() {
      // Ready means a beacon would be stored now: the file is still the one opened (a deleted
      // folder or a restored backup would take writes into an unlinked file), and the write lock
      // can be taken as a beacon takes it, behind the transactions already queued.
      let current;
      try {
        current = statSync(path);
      } catch {
        throw new StoreUnavailableError('the database file is gone');
      }
      if (current.ino != opened.ino || current.dev != opened.dev) throw new StoreUnavailableError('the database file was replaced');
      await engine.transaction([], async () => undefined);
    },
    async close() {
      await tail;
      exporter.closeAll();
      if (reader.open) reader.close();
      if (writer.open) writer.close();
    },
  };
  return engine;
}
