/**
 * The collector's command line: `rejoiner-collector --port 8787 --db .data/collector.db
 * --sites sites.json` (the bin runs collector/cli.mjs, compiled from this file by `npm run build`;
 * in development `tsx src/collector/cli.ts` runs the same). Shuts down cleanly on SIGTERM/SIGINT
 * (server closed, then the database).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCliArgs, USAGE, type CliOptions } from './cli-args';
import { startCollector } from './collector';
import { PACKAGE_DIR } from './package-info';
import { DEMO_SITE_ID, loadSitesFile } from './sites';
import { isPostgresUrl, redactUrl } from './store/open-store';

const log = (line: string): void => void process.stderr.write(`[collector] ${line}\n`);


const folderOrDefault = (given: string | undefined, fallback: string | undefined): string | undefined =>
  given !== undefined ? resolve(given) : fallback !== undefined && existsSync(fallback) ? fallback : undefined;

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCliArgs(process.argv.slice(2), process.env);
  } catch (error) {
    log(`${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options.help) return void process.stdout.write(USAGE + '\n');

  if (options.production && options.sites === undefined) {
    log('production mode (NODE_ENV=production) serves no demo site: give a sites file with --sites or REJOINER_SITES');
    process.exitCode = 2;
    return;
  }
  let sites;
  try {
    sites = options.sites === undefined ? undefined : loadSitesFile(options.sites);
  } catch (error) {
    log(`cannot use sites file ${options.sites}: ${(error as Error).message}`);
    process.exitCode = 2;
    return;
  }
  const publicDir = folderOrDefault(options.publicDir, options.production ? undefined : resolve(PACKAGE_DIR, 'public'));
  const collector = await startCollector({
    port: options.port,
    host: options.host,
    db: isPostgresUrl(options.db) ? options.db : resolve(options.db),
    sites,
    // The demo shop is the demo: production serves a shop only when told where it is.
    publicDir,
    distDir: folderOrDefault(options.distDir, resolve(PACKAGE_DIR, 'dist')),
    sync: options.sync,
    adminToken: options.adminToken,
    trustProxy: options.trustProxy,
    production: options.production,
    logLevel: options.logLevel,
  });
  log(`collector listening on ${collector.url}`);
  log(isPostgresUrl(options.db) ? `database ${redactUrl(options.db)}` : `database ${resolve(options.db)} (synchronous=${options.sync})`);
  for (const site of collector.sites)
    log(
      site.id == DEMO_SITE_ID && !sites
        ? `demo site "${site.id}": key ${site.key}, secret ${site.secret}, origins ${site.origins.join(' ')}`
        : `site "${site.id}": origins ${site.origins.join(' ') || '(none)'}`,
    );
  if (publicDir) log(`storefront: ${collector.url}/`);
  log(`inspector: ${collector.url}/inspector`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    collector.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Every request path catches its own errors; these only log what slipped through, and keep serving.
  process.on('unhandledRejection', (reason) => log(`unhandled rejection: ${(reason as Error)?.stack ?? reason}`));
}

main().catch((error: unknown) => {
  log(`cannot start: ${(error as Error)?.message ?? error}`);
  process.exit(1);
});
