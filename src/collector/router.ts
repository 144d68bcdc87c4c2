/**
 * Dispatches every request by its first path segment. This is the one boundary that catches
 * whatever a handler throws: a bug answers 500 once and is logged, and never ends the process.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RestHandler } from './api/rest-handler';
import { readBody, reply, replyError } from './http/http-io';
import { parseTarget } from './http/request-target';
import { serveFile } from './http/static-files';
import type { IngestHandler } from './ingest/ingest-handler';
import type { InspectorHandler } from './inspector/inspector-handler';
import { loggablePath, scrubbed, type Logger } from './observe/logger';
import type { CollectorMetrics, EndpointKind } from './observe/metrics';
import { notesOf } from './observe/request-notes';
import { StoreUnavailableError } from './store/engine';

export interface RouterDeps {
  ingest: IngestHandler;
  rest: RestHandler;
  inspector: InspectorHandler;
  /** Served at /dist/ (the built rejoiner.js), and at /dist/v{version}/ for a year. */
  distDir?: string;
  /** The package version the versioned /dist/ URLs carry. */
  version: string;
  /** Served at / (the demo storefront); its checkout form posts to /checkout. */
  publicDir?: string;
  logger: Logger;
  metrics: CollectorMetrics;
  /** Whether `req` may read /metrics (the admin token as a bearer, or from this machine). */
  metricsAllowed(req: IncomingMessage): boolean;
  /** Resolves when the database answers; rejects otherwise. */
  ready(): Promise<void>;
}

/** How long /readyz waits for the database before answering 503. */
const READY_TIMEOUT_MS = 2000;

/** The stable snippet URL is cached briefly and then revalidated (ETag); a versioned one for a year. */
export const STABLE_CACHE = 'public, max-age=300';
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

/** Percent-decoded, non-empty path segments, or undefined when the encoding is broken or hides a NUL. */
function segmentsOf(pathname: string): string[] | undefined {
  try {
    const segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    // No id, email or file name holds a NUL; PostgreSQL cannot even compare text with one.
    return segments.some((segment) => segment.includes('\u0000')) ? undefined : segments;
  } catch {
    return undefined;
  }
}

/** First segments of the customer platforms' dialects (seeds 002 and 004), which live at the root. */
const DIALECT_ROOTS = new Set(['organizations', 'customer_lists', 'locations', 'accounts', 'location', 'account']);

/** Which part of the collector a path belongs to (a metrics label). */
function endpointKind(first: string | undefined): EndpointKind {
  if (first == 'v4') return 'beacon';
  if (first == 'api') return 'rest';
  if (first !== undefined && DIALECT_ROOTS.has(first)) return 'dialect';
  if (first == 'inspector') return 'dashboard';
  if (first == 'healthz' || first == 'readyz') return 'health';
  if (first == 'metrics') return 'metrics';
  return first === undefined || first == 'dist' || first.includes('.') ? 'static' : 'other';
}

/** The client's request id when it sent a usable one (a proxy's), else a new one. */
const requestIdOf = (req: IncomingMessage): string => {
  const given = req.headers['x-request-id'];
  return typeof given == 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
};

export function createRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { logger, metrics } = deps;
  const versionPrefix = `v${deps.version}`;

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = parseTarget(req.url ?? '');
    if (!url) return replyError(res, 400, 'request target must be a path');
    const segments = segmentsOf(url.pathname);
    if (!segments) return replyError(res, 400, 'malformed percent-encoding (or a NUL) in the path');
    const [first] = segments;
    if (first == 'v4' && segments.length == 2) return deps.ingest(req, res, segments[1]);
    if (first == 'api' || DIALECT_ROOTS.has(first)) {
      if (!(await deps.rest(req, res, url, segments))) replyError(res, 404, 'no such endpoint');
      return;
    }
    if (first == 'inspector') return deps.inspector(req, res, url, segments);
    if (url.pathname == '/healthz') return reply(res, 200, 'ok\n', { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    if (url.pathname == '/readyz') return readiness(res);
    if (url.pathname == '/metrics') return serveMetrics(req, res);
    if (url.pathname == '/checkout' && req.method == 'POST' && deps.publicDir) return demoCheckout(req, res);
    if (req.method == 'GET' || req.method == 'HEAD') {
      if (first == 'dist' && deps.distDir && (await serveDist(req, res, segments.slice(1)))) return;
      if (deps.publicDir && (await serveFile(req, res, deps.publicDir, segments.join('/')))) return;
    }
    replyError(res, 404, 'not found');
  };

  /** /dist/FILE (briefly cached, revalidated) and /dist/v{version}/FILE (the same bytes, for a year). */
  const serveDist = (req: IncomingMessage, res: ServerResponse, rest: string[]): Promise<boolean> => {
    const versioned = /^v\d/.test(rest[0] ?? '');
    // Another version's URL must not get these bytes: a year-long cache would keep the mismatch.
    if (versioned && rest[0] != versionPrefix) return Promise.resolve(false);
    const file = (versioned ? rest.slice(1) : rest).join('/');
    return serveFile(req, res, deps.distDir!, file, { cacheControl: versioned ? IMMUTABLE_CACHE : STABLE_CACHE, precompressed: true });
  };

  /** The last readiness told to the log: a probe every second must not write a line every second. */
  let lastReadiness = 'ready';
  const readiness = async (res: ServerResponse): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer in time')), READY_TIMEOUT_MS)));
    try {
      await Promise.race([deps.ready(), timeout]);
      if (lastReadiness != 'ready') logger.info('database ready again');
      lastReadiness = 'ready';
      reply(res, 200, 'ready\n', { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    } catch (error) {
      // The cause (which may name the database's address) goes to the log, not to whoever asks.
      const cause = scrubbed(String((error as Error)?.message ?? error), 500);
      if (cause != lastReadiness) logger.warn({ cause }, 'database not ready');
      lastReadiness = cause;
      replyError(res, 503, 'database not ready', { 'retry-after': '2' });
    } finally {
      clearTimeout(timer);
    }
  };

  const serveMetrics = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method != 'GET' && req.method != 'HEAD') return replyError(res, 405, 'use GET', { allow: 'GET, HEAD' });
    if (!deps.metricsAllowed(req))
      return replyError(res, 401, 'metrics need the admin token as a bearer (Authorization: Bearer TOKEN), or a request from this machine', {
        'www-authenticate': 'Bearer realm="metrics"',
      });
    reply(res, 200, await metrics.registry.metrics(), { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
  };

  /** The demo shop's checkout posts its form (so email and password stay out of URLs), then shows the thank-you page. */
  const demoCheckout = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    await readBody(req).catch(() => undefined); // read and dropped: the demo keeps no orders
    reply(res, 303, '', { location: '/thank-you.html', 'cache-control': 'no-store' });
  };

  /** One line per answer: refusals at info, failures at error, the rest at debug; and the metrics. */
  const observe = (req: IncomingMessage, res: ServerResponse, id: string, started: bigint): void => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const first = (req.url ?? '').split('?')[0].split('/').filter(Boolean)[0];
    const kind = endpointKind(first && safeDecode(first));
    const status = res.writableFinished ? res.statusCode : 499; // 499: the client went away first
    metrics.answered(kind, status);
    if (kind == 'beacon') metrics.beaconSeconds(seconds);
    const { site, reason } = notesOf(res);
    const entry = { req: id, method: req.method, path: loggablePath(req.url), status, ms: Math.round(seconds * 1000), site, reason: reason && scrubbed(reason) };
    if (kind == 'health' && status == 503) logger.debug(entry, 'not ready'); // told once per change by readiness
    else if (status >= 500) logger.error(entry, 'request failed');
    else if (status >= 400) logger.info(entry, 'request refused');
    else logger.debug(entry, 'request');
  };

  return (req, res) => {
    const started = process.hrtime.bigint();
    const id = requestIdOf(req);
    res.setHeader('x-request-id', id);
    res.once('close', () => observe(req, res, id, started));
    route(req, res).catch((error: unknown) => {
      if (error instanceof StoreUnavailableError) {
        // Not a bug: the database is busy or away. Clients retry after the pause it asks for.
        if (!res.headersSent) replyError(res, 503, 'storage unavailable, retry later', { 'retry-after': String(error.retryAfterSeconds) });
        else res.destroy();
        return;
      }
      logger.error({ req: id, method: req.method, path: loggablePath(req.url), err: error }, 'handler threw');
      if (!res.headersSent) replyError(res, 500, 'internal error');
      else res.destroy();
    });
  };
}

const safeDecode = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};
