/**
 * `POST /v4/{site}` (PROTOCOL.md): checks site and origin, reads the body (at most 1 MB), checks
 * each event, stores the good ones and answers `{accepted, duplicates, rejected}` only after
 * they are committed. Talks to storage only through `Store`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readBody, reply, replyError, replyJson } from '../http/http-io';
import type { SiteRegistry } from '../sites';
import type { Store } from '../store/store';
import { corsHeaders, judgeOrigin, preflightHeaders } from './beacon-cors';
import { parseBatch } from './parse-batch';

export interface IngestDeps {
  sites: () => SiteRegistry;
  store: Store;
  log: (line: string) => void;
}

export type IngestHandler = (req: IncomingMessage, res: ServerResponse, siteId: string) => Promise<void>;

export function createIngestHandler({ sites, store, log }: IngestDeps): IngestHandler {
  return async (req, res, siteId) => {
    const origin = req.headers.origin;
    const cors = corsHeaders(origin);
    const site = sites().byId(siteId);
    if (req.method != 'POST' && req.method != 'OPTIONS')
      return replyError(res, 405, 'use POST', { ...cors, allow: 'POST, OPTIONS' });
    if (!site) return replyError(res, 403, `unknown site ${JSON.stringify(siteId.slice(0, 64))}`, cors);
    const verdict = judgeOrigin(site, origin);
    if (verdict == 'refused') return replyError(res, 403, `origin ${origin!.slice(0, 200)} is not allowed for this site`, cors);
    if (req.method == 'OPTIONS') {
      const requested = req.headers['access-control-request-headers'];
      return reply(res, 204, '', { ...cors, ...preflightHeaders(typeof requested == 'string' ? requested : undefined) });
    }

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof HttpError) return replyError(res, error.status, error.reason, { ...cors, ...error.headers });
      return; // the client went away: nobody to answer
    }
    const batch = parseBatch(body.toString('utf8'), site.id);
    if (!batch.ok) return replyError(res, 400, batch.reason, cors);

    let stored;
    try {
      stored = batch.events.length ? await store.insertBatch(site.id, batch.events) : { accepted: 0, duplicates: 0 };
    } catch (error) {
      // Storage trouble (disk full, I/O): the events are not stored, so the library must retry.
      log(`ingest: storage failed: ${(error as Error).message}`);
      return replyError(res, 503, 'storage unavailable, retry later', { ...cors, 'retry-after': '5' });
    }
    replyJson(
      res,
      200,
      { accepted: stored.accepted, duplicates: stored.duplicates + batch.duplicatesInBatch, rejected: batch.rejected },
      cors,
    );
  };
}
