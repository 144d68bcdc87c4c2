/**
 * Streams a site's events in arrival order. Each export gets its own read-only connection and
 * iterates one statement over it: rows are read as the client consumes them, never all at once,
 * and the writer connection stays free meanwhile (better-sqlite3 allows no other statement on a
 * connection while an iterator is open on it).
 */
import Database, { type Database as Db } from 'better-sqlite3';
import type { EventExportStream } from '../store';

interface EventRow {
  cursor: number;
  id: string;
  seq: number;
  type: string;
  ts: number;
  visitor: string;
  session: string;
  order_id: string | null;
  url: string;
  data: string;
}

export interface SqliteExporter {
  open(site: string, after: number, limit: number | undefined): EventExportStream;
  /** Closes the connections of exports still running (on shutdown). */
  closeAll(): void;
}

/** One event as PROTOCOL.md's Event; `data` is stored as JSON already and goes in unparsed. */
const toLine = (row: EventRow): string =>
  JSON.stringify({
    id: row.id,
    seq: row.seq,
    type: row.type,
    ts: row.ts,
    visitor: row.visitor,
    session: row.session,
    order: row.order_id,
    url: row.url,
  }).slice(0, -1) + `,"data":${row.data}}`;

export function createSqliteExporter(writer: Db, path: string): SqliteExporter {
  const readers = new Set<Db>();
  // The upper bound is fixed first, so that the cursor header is known before the body streams
  // and events arriving during the export wait for the next one.
  const lastCursor = writer.prepare<[string, number], { last: number | null }>(
    'SELECT max(cursor) AS last FROM events WHERE site = ? AND cursor > ?',
  );
  const nthCursor = writer.prepare<[string, number, number], { cursor: number }>(
    'SELECT cursor FROM events WHERE site = ? AND cursor > ? ORDER BY cursor LIMIT 1 OFFSET ?',
  );

  return {
    open(site, after, limit) {
      const upTo =
        limit === undefined
          ? lastCursor.get(site, after)?.last ?? null
          : (nthCursor.get(site, after, limit - 1)?.cursor ?? lastCursor.get(site, after)?.last ?? null);
      if (upTo === null) return { nextCursor: String(after), lines: (async function* () {})() };
      async function* lines(): AsyncGenerator<string> {
        const reader = new Database(path, { readonly: true, fileMustExist: true });
        readers.add(reader);
        try {
          const rows = reader
            .prepare<[string, number, number], EventRow>(
              `SELECT cursor, id, seq, type, ts, visitor, session, order_id, url, data FROM events
               WHERE site = ? AND cursor > ? AND cursor <= ? ORDER BY cursor`,
            )
            .iterate(site, after, upTo as number);
          for (const row of rows) yield toLine(row);
        } finally {
          readers.delete(reader);
          if (reader.open) reader.close();
        }
      }
      return { nextCursor: String(upTo), lines: lines() };
    },
    closeAll() {
      for (const reader of readers) if (reader.open) reader.close();
      readers.clear();
    },
  };
}
