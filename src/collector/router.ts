/**
 * Dispatches every request by its first path segment. This is the one boundary that catches
 * whatever a handler throws: a bug answers 500 once and is logged, and never ends the process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RestHandler } from './api/rest-handler';
import { reply, replyError } from './http/http-io';
import { parseTarget } from './http/request-target';
import { serveFile } from './http/static-files';
import type { IngestHandler } from './ingest/ingest-handler';
import type { InspectorHandler } from './inspector/inspector-handler';
import { StoreUnavailableError } from './store/engine';

export interface RouterDeps {
  ingest: IngestHandler;
  rest: RestHandler;
  inspector: InspectorHandler;
  /** Served at /dist/ (the built rejoiner.js). */
  distDir?: string;
  /** Served at / (the demo storefront). */
  publicDir?: string;
  log: (line: string) => void;
}

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

export function createRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = parseTarget(req.url ?? '');
    if (!url) return replyError(res, 400, 'request target must be a path');
    const segments = segmentsOf(url.pathname);
    if (!segments) return replyError(res, 400, 'malformed percent-encoding (or a NUL) in the path');
    const [first] = segments;
    if (first == 'v4' && segments.length == 2) return deps.ingest(req, res, segments[1]);
    // HubRise's own base URL ends in /v1 (https://api.hubrise.com/v1): its roots are served there too.
    const versioned = first == 'v1' && DIALECT_ROOTS.has(segments[1]);
    if (first == 'api' || DIALECT_ROOTS.has(first) || versioned) {
      if (!(await deps.rest(req, res, url, segments))) replyError(res, 404, 'no such endpoint');
      return;
    }
    if (first == 'inspector') return deps.inspector(req, res, url, segments);
    if (url.pathname == '/healthz') return reply(res, 200, 'ok\n', { 'content-type': 'text/plain; charset=utf-8' });
    if (req.method == 'GET' || req.method == 'HEAD') {
      if (first == 'dist' && deps.distDir && (await serveFile(req, res, deps.distDir, segments.slice(1).join('/')))) return;
      if (deps.publicDir && (await serveFile(req, res, deps.publicDir, segments.join('/')))) return;
    }
    replyError(res, 404, 'not found');
  };

  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof StoreUnavailableError) {
        // Not a bug: the database is busy or away. Clients retry after the pause it asks for.
        if (!res.headersSent) replyError(res, 503, 'storage unavailable, retry later', { 'retry-after': String(error.retryAfterSeconds) });
        else res.destroy();
        return;
      }
      deps.log(`error: ${req.method} ${String(req.url).split('?')[0].slice(0, 200)}: ${(error as Error)?.stack ?? error}`);
      if (!res.headersSent) replyError(res, 500, 'internal error');
      else res.destroy();
    });
  };
}
