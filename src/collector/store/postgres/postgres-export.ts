/**
 * Streams a site's events in commit-safe order. With several writers, the order of `cursor`
 * (a sequence) is not the order of commits: an event numbered 10 may commit after one numbered
 * 11 was exported, and a cursor past 11 would skip it forever. So each event also records its
 * transaction id (`tx`, xid8), the export reads in (tx, cursor) order, and only events of
 * transactions older than the oldest one still running (the snapshot's xmin) are exported: no
 * transaction can commit below that line any more. An event appears in an export once its
 * transaction and all older ones have ended; nothing is skipped or repeated.
 *
 * Transaction ids are shared by every database of a PostgreSQL server, so a long transaction
 * anywhere on it holds the line back. An export therefore first waits (up to EXPORT_WAIT_MS) for
 * the line to pass the newest event already committed: an event acknowledged before the export
 * started is in it.
 *
 * The cursor is opaque to clients: "tx.cursor" of the last event given. Rows are read in pages
 * of 1,000, each page only when the client has taken the previous one.
 */
import type { Pool } from 'pg';
import type { EventExportStream } from '../store';

const PAGE_ROWS = 1000;
/** How long an export waits for older transactions to end before it answers with what is safe. */
const EXPORT_WAIT_MS = 2000;

/** "0.0" is before every event. */
const parseCursor = (cursor: string | undefined): [tx: string, id: string] => {
  const [tx, id] = (cursor ?? '0.0').split('.');
  return [tx, id];
};

/** "tx.cursor" with tx an xid8 (below 2^64) and cursor a bigint (below 2^63). */
export function isPostgresCursor(cursor: string): boolean {
  const match = /^(\d{1,20})\.(\d{1,19})$/.exec(cursor);
  return !!match && BigInt(match[1]) < 2n ** 64n && BigInt(match[2]) < 2n ** 63n;
}

interface EventRow {
  tx: string;
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

/** One event as PROTOCOL.md's Event; `data` is stored as JSON already and goes in unparsed. */
const toLine = (row: EventRow): string =>
  JSON.stringify({ id: row.id, seq: row.seq, type: row.type, ts: row.ts, visitor: row.visitor, session: row.session, order: row.order_id, url: row.url })
    .slice(0, -1) + `,"data":${row.data}}`;

/**
 * Waits (up to EXPORT_WAIT_MS) until every transaction older than the newest row `newestSql`
 * finds has ended, so that a listing below the horizon shows what was committed before it ran.
 */
export async function waitForHorizon(pool: Pool, newestSql: string, params: unknown[]): Promise<void> {
  const newest = await pool.query<{ tx: string }>(newestSql, params);
  for (const deadline = Date.now() + EXPORT_WAIT_MS; newest.rows[0] && Date.now() < deadline; ) {
    const line = await pool.query<{ passed: boolean }>('SELECT pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 AS passed', [newest.rows[0].tx]);
    if (line.rows[0].passed) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function createPostgresExporter(pool: Pool) {
  let closing = false;
  return {
    async open(site: string, after: string | undefined, limit: number | undefined): Promise<EventExportStream> {
      const [afterTx, afterId] = parseCursor(after);
      // Text for JavaScript, but ordered by the xid8 itself: an output column named like an input
      // column is what ORDER BY would take, and as text "999" sorts after "1029".
      await waitForHorizon(pool, 'SELECT e.tx::text AS tx FROM events e WHERE e.site = $1 ORDER BY e.tx DESC, e.cursor DESC LIMIT 1', [site]);
      // The last event this export includes, fixed first so the cursor header is known before the body.
      const bound = await pool.query<{ tx: string; cursor: string }>(
        `SELECT page.tx::text AS tx, page.cursor::text AS cursor FROM (
           SELECT e.tx, e.cursor FROM events e
           WHERE e.site = $1 AND (e.tx, e.cursor) > ($2::xid8, $3::bigint) AND e.tx < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY e.tx, e.cursor LIMIT $4
         ) AS page ORDER BY page.tx DESC, page.cursor DESC LIMIT 1`,
        [site, afterTx, afterId, limit ?? null],
      );
      const last = bound.rows[0];
      if (!last) return { nextCursor: after ?? '0.0', lines: (async function* () {})() };
      async function* lines(): AsyncGenerator<string> {
        let from: [string, string] = [afterTx, afterId];
        while (!closing) {
          const { rows } = await pool.query<EventRow>(
            `SELECT e.tx::text AS tx, e.cursor, e.id, e.seq, e.type, e.ts, e.visitor, e.session, e.order_id, e.url, e.data FROM events e
             WHERE e.site = $1 AND (e.tx, e.cursor) > ($2::xid8, $3::bigint) AND (e.tx, e.cursor) <= ($4::xid8, $5::bigint)
             ORDER BY e.tx, e.cursor LIMIT ${PAGE_ROWS}`,
            [site, from[0], from[1], last.tx, last.cursor],
          );
          for (const row of rows) yield toLine(row);
          if (rows.length < PAGE_ROWS) return;
          const end = rows[rows.length - 1];
          from = [end.tx, String(end.cursor)];
        }
      }
      return { nextCursor: `${last.tx}.${last.cursor}`, lines: lines() };
    },
    /** Stops exports still running (shutdown). */
    closeAll() {
      closing = true;
    },
  };
}
