/**
 * `startCollector()`: the whole collector in one process (HTTP server, SQLite store, REST API,
 * inspector, static files), for the CLI, the start script and tests.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createRestHandler } from './api/rest-handler';
import { createIngestHandler } from './ingest/ingest-handler';
import { createInspectorHandler } from './inspector/inspector-handler';
import { createLiveFeed } from './inspector/live-feed';
import { createRouter } from './router';
import { createDemoSite, createSiteRegistry, type Site, type SiteRegistry } from './sites';
import type { SyncMode } from './store/sqlite-schema';
import { createSqliteStore } from './store/sqlite-store';

export interface CollectorOptions {
  /** 0 picks a free port. @default 8787 */
  port?: number;
  /** Address to listen on. @default every interface */
  host?: string;
  /** SQLite file; its folder is created. @default ".data/collector.db" */
  dbPath?: string;
  /** Sites accepted. @default the demo site (see `createDemoSite`) */
  sites?: Site[];
  /** Folder served at `/` (the demo storefront). @default none */
  publicDir?: string;
  /** Folder served at `/dist/` (the built library). @default none */
  distDir?: string;
  /** Folder of the inspector page. @default public/inspector of this package */
  inspectorDir?: string;
  /** SQLite `synchronous` mode (see sqlite-schema.ts). @default 'full' */
  sync?: SyncMode;
  /** Where log lines go. @default nowhere */
  log?: (line: string) => void;
}

export interface RunningCollector {
  /** Base URL, e.g. "http://127.0.0.1:8787". */
  url: string;
  port: number;
  /** The sites in use (the demo site when none were given). */
  sites: readonly Site[];
  /** Stops accepting, ends live streams, lets running requests finish (2 s at most), closes the database. */
  close(): Promise<void>;
}

const DEFAULT_INSPECTOR_DIR = fileURLToPath(new URL('../../public/inspector/', import.meta.url));
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

/** Starts the collector; resolves once it listens. */
export async function startCollector(options: CollectorOptions = {}): Promise<RunningCollector> {
  const log = options.log ?? (() => {});
  const store = createSqliteStore({ path: options.dbPath ?? '.data/collector.db', sync: options.sync });
  let registry: SiteRegistry = createSiteRegistry(options.sites ?? []);
  const sites = () => registry;
  const feed = createLiveFeed(store, (error) => log(`inspector: ${(error as Error)?.message ?? error}`));
  const handler = createRouter({
    ingest: createIngestHandler({ sites, store, log }),
    rest: createRestHandler({ sites, store }),
    inspector: createInspectorHandler({ sites, feed, assetsDir: options.inspectorDir ?? DEFAULT_INSPECTOR_DIR }),
    distDir: options.distDir,
    publicDir: options.publicDir,
    log,
  });
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 20_000, keepAliveTimeout: 5_000 }, handler);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Unparseable HTTP: answer 400 when the socket still takes it, never throw.
    if (error.code == 'ECONNRESET' || !socket.writable) socket.destroy();
    else socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });

  let address: AddressInfo;
  try {
    address = await listen(server, options.port ?? 8787, options.host);
  } catch (error) {
    await store.close();
    throw error;
  }
  const siteList = options.sites ?? [createDemoSite(address.port)];
  registry = createSiteRegistry(siteList);
  const host = !options.host || options.host == '::' || options.host == '0.0.0.0' ? '127.0.0.1' : options.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  log(`collector listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    url,
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
