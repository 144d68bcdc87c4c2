/**
 * `startCollector()`: the whole collector in one process (HTTP server, SQLite store, REST API,
 * inspector, static files), for the CLI, the start script and tests.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { createRestHandler } from './api/rest-handler';
import { createIngestHandler } from './ingest/ingest-handler';
import { createProxyTrust } from './http/proxy-trust';
import { createDashboardAccess } from './inspector/dashboard-access';
import { createDashboardApi } from './inspector/dashboard-api';
import { createInspectorHandler } from './inspector/inspector-handler';
import { createLiveFeed } from './inspector/live-feed';
import { sameSecret } from './http/constant-time';
import { isLocalRequest } from './http/http-io';
import { createLogger, type LogLevel } from './observe/logger';
import { createMetrics } from './observe/metrics';
import { PACKAGE_DIR, PACKAGE_VERSION } from './package-info';
import { createRouter } from './router';
import { createDemoSite, createSiteRegistry, parseSites, type Site, type SiteConfig, type SiteRegistry } from './sites';
import { openStore } from './store/open-store';
import type { SyncMode } from './store/sqlite/sqlite-migrations';

/** How long an idle kept-alive connection stays open. */
export const KEEP_ALIVE_MS = 5_000;

export interface CollectorOptions {
  /** 0 picks a free port. @default 8787 */
  port?: number;
  /** Address to listen on. @default every interface */
  host?: string;
  /** A SQLite file (its folder is created) or a `postgres://` URL. @default ".data/collector.db" */
  db?: string;
  /** Sites accepted. @default the demo site (see `createDemoSite`) */
  sites?: SiteConfig[];
  /** Folder served at `/` (the demo storefront). @default none */
  publicDir?: string;
  /** Folder served at `/dist/` (the built library). @default none */
  distDir?: string;
  /** Folder of the inspector page. @default public/inspector of this package */
  inspectorDir?: string;
  /** SQLite `synchronous` mode (see sqlite-migrations.ts). @default 'full' */
  sync?: SyncMode;
  /** Where the JSON log lines go (one per call). @default stdout when `logLevel` is given, else nowhere */
  log?: (line: string) => void;
  /** @default "info" with `log`, else "silent" */
  logLevel?: LogLevel;
  /** The dashboard's all-sites credential (CONTRACTS.md). @default none */
  adminToken?: string;
  /** Proxies whose X-Forwarded-* headers are believed: comma-separated addresses or CIDRs. @default none */
  trustProxy?: string;
  /** Production mode: the dashboard always needs a login. @default false */
  production?: boolean;
  /** A request must arrive whole within this time, or it is answered 408. @default 30000 */
  requestTimeoutMs?: number;
}

export interface RunningCollector {
  /** Base URL, e.g. "http://127.0.0.1:8787". */
  url: string;
  /** The metrics registry /metrics answers from (Prometheus text via `metrics()`). */
  metrics: Registry;
  port: number;
  /** The sites in use (the demo site when none were given). */
  sites: readonly Site[];
  /** Stops accepting, ends live streams, lets running requests finish (2 s at most), closes the database. */
  close(): Promise<void>;
}

const DEFAULT_INSPECTOR_DIR = join(PACKAGE_DIR, 'public', 'inspector');
/** Requests still running after this long at shutdown are cut. */
const SHUTDOWN_GRACE_MS = 2000;

const listen = (server: Server, port: number, host: string | undefined): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });

/**
 * The status line for a request Node could not read. A timeout is a 408, which clients retry
 * (the library does); a 400 tells them the request itself is wrong and must be dropped.
 */
export function clientErrorStatus(code: string | undefined): string {
  if (code == 'ERR_HTTP_REQUEST_TIMEOUT') return '408 Request Timeout';
  if (code == 'HPE_HEADER_OVERFLOW') return '431 Request Header Fields Too Large';
  return '400 Bad Request';
}

/** Starts the collector; resolves once it listens. */
export async function startCollector(options: CollectorOptions = {}): Promise<RunningCollector> {
  const logger = createLogger(options.logLevel ?? (options.log ? 'info' : 'silent'), options.log);
  const log = (line: string): void => logger.info(line);
  const metrics = createMetrics();
  // Configuration first: a bad sites list or proxy list must stop the start before anything opens.
  const configured = options.sites && parseSites(options.sites);
  const proxies = createProxyTrust(options.trustProxy);
  const store = await openStore(options.db ?? '.data/collector.db', { sync: options.sync, log });
  let registry: SiteRegistry = createSiteRegistry(configured ?? []);
  const sites = () => registry;
  const feed = createLiveFeed(store, (error) => logger.warn({ err: error }, 'dashboard live feed failed'));
  const access = createDashboardAccess({ sites, adminToken: options.adminToken, production: !!options.production, proxies });
  const handler = createRouter({
    ingest: createIngestHandler({ sites, store, logger, metrics }),
    rest: createRestHandler({ sites, store, proxies }),
    inspector: createInspectorHandler({ access, proxies, feed, api: createDashboardApi({ store, sites }), assetsDir: options.inspectorDir ?? DEFAULT_INSPECTOR_DIR }),
    distDir: options.distDir,
    version: PACKAGE_VERSION,
    publicDir: options.publicDir,
    logger,
    metrics,
    metricsAllowed: (req) => {
      const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (bearer) return !!options.adminToken && sameSecret(bearer[1], options.adminToken);
      // From this machine, and not passed on by a proxy (which may be on this machine too).
      return !proxies.configured && isLocalRequest(req);
    },
    ready: () => store.ping(),
  });
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(20_000, requestTimeout),
      // deploy/nginx closes idle connections to the collector sooner (keepalive_timeout 4s), so
      // it never sends a request on a connection the collector is closing.
      keepAliveTimeout: KEEP_ALIVE_MS,
      // How often Node looks for timed-out requests (its default, 30 s, would double a short timeout).
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, requestTimeout / 4)),
    },
    handler,
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Unparseable or too slow HTTP: answer when the socket still takes it, never throw.
    if (error.code == 'ECONNRESET' || !socket.writable) socket.destroy();
    else socket.end(`HTTP/1.1 ${clientErrorStatus(error.code)}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  let address: AddressInfo;
  try {
    address = await listen(server, options.port ?? 8787, options.host);
  } catch (error) {
    await store.close();
    throw error;
  }
  const siteList = configured ?? parseSites([createDemoSite(address.port)]);
  registry = createSiteRegistry(siteList);
  const host = !options.host || options.host == '::' || options.host == '0.0.0.0' ? '127.0.0.1' : options.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  logger.info({ url }, 'collector listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    metrics: metrics.registry,
    port: address.port,
    sites: siteList,
    close() {
      closing ??= (async () => {
        feed.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        await closed;
        clearTimeout(cut);
        await store.close();
      })();
      return closing;
    },
  };
}
