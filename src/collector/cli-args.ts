/**
 * Command-line options of the collector. Pure: takes argv, returns options or a usage error.
 */
import type { SyncMode } from './store/sqlite-schema';

export interface CliOptions {
  port: number;
  host?: string;
  db: string;
  sites?: string;
  publicDir?: string;
  distDir?: string;
  sync: SyncMode;
  help: boolean;
}

export const USAGE = `Usage: tsx src/collector/cli.ts [options]
  --port N         port to listen on (default 8787; 0 picks a free one)
  --host ADDR      address to listen on (default: every interface)
  --db PATH        SQLite database file (default .data/collector.db)
  --sites FILE     JSON array of {"id", "origins": [...], "key", "secret"} (default: the demo site)
  --public DIR     folder served at / (default ./public when it exists)
  --dist DIR       folder served at /dist/ (default ./dist when it exists)
  --sync MODE      full (default) or normal: SQLite synchronous mode, see README "Durability"
  --help           this text`;

const VALUED = new Set(['--port', '--host', '--db', '--sites', '--public', '--dist', '--sync']);

/** Parses argv (without node and script); throws an Error with a message for the user. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const values = new Map<string, string>();
  let help = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name == '--help' || name == '-h') help = true;
    else if (VALUED.has(name)) {
      const value = inline ?? argv[++index];
      if (value === undefined) throw new Error(`${name} needs a value`);
      values.set(name, value);
    } else throw new Error(`unknown option ${arg}`);
  }
  const portText = values.get('--port') ?? '8787';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`--port: expected 0-65535, got ${portText}`);
  const sync = values.get('--sync') ?? 'full';
  if (sync != 'full' && sync != 'normal') throw new Error(`--sync: expected full or normal, got ${sync}`);
  return {
    port,
    host: values.get('--host'),
    db: values.get('--db') ?? '.data/collector.db',
    sites: values.get('--sites'),
    publicDir: values.get('--public'),
    distDir: values.get('--dist'),
    sync,
    help,
  };
}
