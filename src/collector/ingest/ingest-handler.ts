/**
 * `POST /v4/{site}` (PROTOCOL.md): checks site and origin, reads the body (at most 1 MB), checks
 * each event, stores the good ones and answers `{accepted, duplicates, rejected}` only after
 * they are committed. Talks to storage only through `Store`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readBody, reply } from '../http/http-io';
import { scrubbed, type Logger } from '../observe/logger';
import type { CollectorMetrics } from '../observe/metrics';
import { noteReason, noteSite } from '../observe/request-notes';
import type { SiteRegistry } from '../sites';
import { StoreUnavailableError } from '../store/engine';
import type { InsertResult, Store } from '../store/store';
import { corsHeaders, judgeOrigin, preflightHeaders } from './beacon-cors';
import { parseBatch } from './parse-batch';

export interface IngestDeps {
  sites: () => SiteRegistry;
  store: Store;
  logger: Logger;
  metrics: CollectorMetrics;
}

export type IngestHandler = (req: IncomingMessage, res: ServerResponse, siteId: string) => Promise<void>;

/**
 * Beacon answers are small JSON without `Cache-Control: no-store`: a POST answer is never
 * cached anyway (RFC 9111 section 9.3.3 needs explicit freshness for that), and Chromium keeps a
 * `keepalive` request's share of its 64 KB budget while a `no-store` answer's body is unread,
 * which starved libraries that do not read it (TOOLCHAIN.md).
 */
const answer = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string>): void =>
  reply(res, status, JSON.stringify(value), { 'content-type': 'application/json; charset=utf-8', ...headers });

const refuse = (res: ServerResponse, status: number, reason: string, headers: Record<string, string>): void => {
  noteReason(res, reason);
  answer(res, status, { error: reason }, headers);
};

export function createIngestHandler({ sites, store, logger, metrics }: IngestDeps): IngestHandler {
  return async (req, res, siteId) => {
    const origin = req.headers.origin;
    const cors = corsHeaders(origin);
    const site = sites().byId(siteId);
    if (site) noteSite(res, site.id);
    if (req.method != 'POST' && req.method != 'OPTIONS')
      return refuse(res, 405, 'use POST', { ...cors, allow: 'POST, OPTIONS' });
    if (!site) return refuse(res, 403, `unknown site ${JSON.stringify(siteId.slice(0, 64))}`, cors);
    const verdict = judgeOrigin(site, origin);
    if (verdict == 'refused') {
      metrics.eventsRefused(site.id, 'origin');
      return refuse(res, 403, `origin ${origin!.slice(0, 200)} is not allowed for this site`, cors);
    }
    if (req.method == 'OPTIONS') {
      const requested = req.headers['access-control-request-headers'];
      return reply(res, 204, '', { ...cors, ...preflightHeaders(typeof requested == 'string' ? requested : undefined) });
    }

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof HttpError) return refuse(res, error.status, error.reason, { ...cors, ...error.headers });
      return; // the client went away: nobody to answer
    }
    const batch = parseBatch(body.toString('utf8'), site.id, Date.now());
    if (!batch.ok) {
      metrics.eventsRefused(site.id, 'batch');
      return refuse(res, 400, batch.reason, cors);
    }

    let stored: InsertResult;
    const handedOver = process.hrtime.bigint();
    try {
      stored = batch.events.length ? await store.insertBatch(site.id, batch.events) : { accepted: 0, duplicates: 0, rejected: [] };
      if (batch.events.length) metrics.commitSeconds(Number(process.hrtime.bigint() - handedOver) / 1e9);
    } catch (error) {
      // Storage trouble (locked, disk full, I/O, database gone): nothing is stored, the library retries.
      if (error instanceof StoreUnavailableError) {
        logger.warn({ site: site.id, problem: scrubbed(error.message) }, 'storage unavailable: beacon answered 503');
        return refuse(res, 503, 'storage unavailable, retry later', { ...cors, 'retry-after': String(error.retryAfterSeconds) });
      }
      throw error; // a bug: the router logs it and answers 500
    }
    const rejected = [...batch.rejected, ...stored.rejected];
    metrics.eventsAccepted(site.id, stored.accepted);
    metrics.eventsDuplicate(site.id, stored.duplicates + batch.duplicatesInBatch);
    for (const { reason } of rejected) metrics.eventsRefused(site.id, reason);
    answer(res, 200, { accepted: stored.accepted, duplicates: stored.duplicates + batch.duplicatesInBatch, rejected }, cors);
  };
}
