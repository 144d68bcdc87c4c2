/**
 * Command line and environment of the collector (CONTRACTS.md "Command line and environment").
 * Every flag has an environment variable; the flag wins. Pure: takes argv and an environment,
 * returns options or throws an Error with a message for the user.
 */
import { LOG_LEVELS, type LogLevel } from './observe/logger';
import type { SyncMode } from './store/sqlite/sqlite-migrations';

export interface CliOptions {
  port: number;
  host?: string;
  /** A SQLite file path, or a `postgres://` URL. */
  db: string;
  sites?: string;
  publicDir?: string;
  distDir?: string;
  sync: SyncMode;
  trustProxy?: string;
  adminToken?: string;
  logLevel: LogLevel;
  /** `NODE_ENV=production` or a sites file: no demo site, a login always needed. */
  production: boolean;
  help: boolean;
}

interface Option {
  flag: string;
  env: string;
  key: keyof CliOptions;
  text: string;
}

/** Flags with a value, their variables and their help lines. */
const OPTIONS: Option[] = [
  { flag: '--port', env: 'PORT', key: 'port', text: 'port to listen on (default 8787; 0 picks a free one)' },
  { flag: '--host', env: 'HOST', key: 'host', text: 'address to listen on (default: every interface)' },
  { flag: '--db', env: 'DATABASE_URL', key: 'db', text: 'SQLite file (default .data/collector.db) or postgres://user:pass@host/db' },
  { flag: '--sites', env: 'REJOINER_SITES', key: 'sites', text: 'sites file, a JSON array (README "Sites file"); makes it production mode' },
  { flag: '--public', env: 'REJOINER_PUBLIC', key: 'publicDir', text: 'folder served at / (default: the demo shop, outside production mode)' },
  { flag: '--dist', env: 'REJOINER_DIST', key: 'distDir', text: "folder served at /dist/ (default: the package's own dist/)" },
  { flag: '--sync', env: 'REJOINER_SYNC', key: 'sync', text: 'full (default) or normal: SQLite synchronous mode, README "Durability"' },
  { flag: '--trust-proxy', env: 'TRUST_PROXY', key: 'trustProxy', text: 'addresses or CIDRs whose X-Forwarded-* headers are believed, comma-separated' },
  { flag: '--admin-token', env: 'REJOINER_ADMIN_TOKEN', key: 'adminToken', text: "the dashboard's and /metrics' all-sites credential (at least 24 characters)" },
  { flag: '--log-level', env: 'LOG_LEVEL', key: 'logLevel', text: `JSON log lines on stdout: ${LOG_LEVELS.join(', ')} (default info)` },
];

export const USAGE = `Usage: rejoiner-collector [options]   (every option also reads the environment variable shown)
${OPTIONS.map(({ flag, env, text }) => `  ${`${flag} VALUE`.padEnd(22)} ${env.padEnd(21)} ${text}`).join('\n')}
  ${'--help'.padEnd(22)} ${''.padEnd(21)} this text
Production mode: NODE_ENV=production or a sites file. It serves no demo site and no demo shop
(unless --public is given), and the dashboard always needs a login.`;

/** Parses argv (without node and script) over `env`. */
export function parseCliArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): CliOptions {
  const values = new Map<keyof CliOptions, string>();
  for (const option of OPTIONS) {
    const value = env[option.env];
    if (value !== undefined && value !== '') values.set(option.key, value);
  }
  let help = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = equals > 0 ? arg.slice(0, equals) : arg;
    const option = OPTIONS.find((candidate) => candidate.flag == name);
    if (name == '--help' || name == '-h') help = true;
    else if (option) {
      const value = equals > 0 ? arg.slice(equals + 1) : argv[++index];
      if (value === undefined) throw new Error(`${name} needs a value`);
      values.set(option.key, value);
    } else throw new Error(`unknown option ${arg}`);
  }

  const portText = values.get('port') ?? '8787';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`--port: expected 0-65535, got ${portText}`);
  const sync = values.get('sync') ?? 'full';
  if (sync != 'full' && sync != 'normal') throw new Error(`--sync: expected full or normal, got ${sync}`);
  const adminToken = values.get('adminToken');
  if (adminToken !== undefined && !/^[A-Za-z0-9_-]{24,}$/.test(adminToken))
    throw new Error('--admin-token: at least 24 characters of A-Z, a-z, 0-9, "_" and "-"');
  const logLevel = values.get('logLevel') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new Error(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got ${logLevel}`);
  const sites = values.get('sites');
  return {
    port,
    host: values.get('host'),
    db: values.get('db') ?? '.data/collector.db',
    sites,
    publicDir: values.get('publicDir'),
    distDir: values.get('distDir'),
    sync,
    trustProxy: values.get('trustProxy'),
    adminToken,
    logLevel: logLevel as LogLevel,
    production: env.NODE_ENV == 'production' || sites !== undefined,
    help,
  };
}
