/**
 * `GET /api/v1/{site}/events/?after=CURSOR&limit=N`: the site's events as NDJSON, oldest first
 * by arrival. CURSOR is opaque to clients (each engine has its own form); the response header
 * `X-Next-Cursor` carries the cursor to pass as `after` next time (the last event sent, or the
 * given one when nothing new arrived). Rows stream with backpressure: one row is read from the
 * database only when the socket accepted the previous ones.
 */
import type { ServerResponse } from 'node:http';
import { replyError } from '../http/http-io';
import type { Store } from '../store/store';

export const MAX_EXPORT_LIMIT = 1_000_000;

/** Resolves when the socket wants more data or is gone. */
const whenDrained = (res: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });

/** Streams the export; validates the query first (400 on a bad cursor or limit). */
export async function streamEvents(res: ServerResponse, store: Store, site: string, query: URLSearchParams): Promise<void> {
  const after = query.get('after') ?? undefined;
  const limitText = query.get('limit');
  if (after !== undefined && !store.isCursor(after)) return replyError(res, 400, 'after: a cursor from X-Next-Cursor is required');
  if (limitText !== null && (!/^\d{1,7}$/.test(limitText) || +limitText < 1 || +limitText > MAX_EXPORT_LIMIT))
    return replyError(res, 400, `limit: an integer from 1 to ${MAX_EXPORT_LIMIT}`);
  const exported = await store.exportEvents(site, after, limitText === null ? undefined : +limitText);
  res.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
    'x-next-cursor': exported.nextCursor,
  });
  try {
    for await (const line of exported.lines) {
      if (res.destroyed) break; // leaving the loop closes the iterator and its connection
      if (!res.write(line + '\n') && !res.destroyed) await whenDrained(res);
    }
  } catch {
    // The stream broke mid-way (say, shutdown): cut the response so the client sees it incomplete.
    res.destroy();
    return;
  }
  res.end();
}
