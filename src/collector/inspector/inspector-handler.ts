/**
 * `/inspector` (the page), `/inspector/events` (its live data) and `/inspector/*.js|css`.
 * Data is only for a peer on this machine (loopback address: every site) or for a request with
 * `?key=SITE_KEY` (that site only). Behind a reverse proxy on the same machine every request
 * looks local: put the proxy's own access control in front, or do not proxy /inspector.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopback, replyError } from '../http/http-io';
import { serveFile } from '../http/static-files';
import type { SiteRegistry } from '../sites';
import type { LiveFeed } from './live-feed';

export interface InspectorDeps {
  sites: () => SiteRegistry;
  feed: LiveFeed;
  /** Folder of index.html, inspector.js and inspector.css. */
  assetsDir: string;
}

export type InspectorHandler = (req: IncomingMessage, res: ServerResponse, url: URL, segments: string[]) => Promise<void>;

/** The site scope of a request: a site id, every site (null), or a refusal reason. */
function scopeOf(req: IncomingMessage, url: URL, sites: SiteRegistry): { site: string | undefined } | { refused: string } {
  const key = url.searchParams.get('key');
  if (key !== null) {
    const site = sites.byKey(key);
    return site ? { site: site.id } : { refused: 'unknown key' };
  }
  return isLoopback(req.socket.remoteAddress)
    ? { site: undefined }
    : { refused: 'the inspector is only open to this machine; add ?key=SITE_KEY' };
}

export function createInspectorHandler({ sites, feed, assetsDir }: InspectorDeps): InspectorHandler {
  return async (req, res, url, segments) => {
    if (req.method != 'GET' && req.method != 'HEAD') return replyError(res, 405, 'use GET', { allow: 'GET, HEAD' });
    const [, name] = segments;
    // Scripts and styles hold no data: they load without a key so the page can start.
    if (name !== undefined && name != 'events') {
      if (segments.length == 2 && /^[\w-]+\.(js|css)$/.test(name) && (await serveFile(req, res, assetsDir, name))) return;
      return replyError(res, 404, 'not found');
    }
    const scope = scopeOf(req, url, sites());
    if ('refused' in scope) return replyError(res, 403, scope.refused);
    if (name == 'events') return feed.attach(res, scope.site);
    if (!(await serveFile(req, res, assetsDir, 'index.html'))) replyError(res, 404, 'inspector assets missing');
  };
}
