import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/collector/cli-args';
import { batchBody, makeEvent } from '../support/collector';

const dir = mkdtempSync(join(tmpdir(), 'collector-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseCliArgs', () => {
  it('has the documented defaults', () => {
    expect(parseCliArgs([])).toEqual({
      port: 8787, db: '.data/collector.db', sync: 'full', help: false, host: undefined, sites: undefined,
      publicDir: undefined, distDir: undefined, trustProxy: undefined, adminToken: undefined, production: false, logLevel: 'info',
      tickMs: 5000,
    });
  });

  it('takes a log level from --log-level or LOG_LEVEL, and refuses an unknown one', () => {
    expect(parseCliArgs(['--log-level', 'debug']).logLevel).toBe('debug');
    expect(parseCliArgs([], { LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
    expect(parseCliArgs(['--log-level=error'], { LOG_LEVEL: 'warn' }).logLevel).toBe('error');
    expect(() => parseCliArgs(['--log-level', 'loud'])).toThrow(/--log-level: expected one of fatal, error, warn, info, debug, trace, silent/);
  });

  it('reads every option, with a space or "="', () => {
    expect(
      parseCliArgs(['--port', '0', '--db=/tmp/x.db', '--sites', 's.json', '--public', 'p', '--dist=d', '--host', '::1', '--sync', 'normal',
        '--trust-proxy', '10.0.0.0/8', '--admin-token', 'admin_0123456789abcdefghijkl']),
    ).toMatchObject({
      port: 0, db: '/tmp/x.db', sites: 's.json', publicDir: 'p', distDir: 'd', host: '::1', sync: 'normal',
      trustProxy: '10.0.0.0/8', adminToken: 'admin_0123456789abcdefghijkl', production: true,
    });
  });

  it('reads the environment, and a flag wins over its variable', () => {
    const env = { PORT: '9000', DATABASE_URL: 'postgres://db/x', REJOINER_SITES: 'sites.json', TRUST_PROXY: '127.0.0.1', REJOINER_ADMIN_TOKEN: 'admin_0123456789abcdefghijkl' };
    expect(parseCliArgs(['--port', '9001'], env)).toMatchObject({ port: 9001, db: 'postgres://db/x', sites: 'sites.json', trustProxy: '127.0.0.1', production: true });
    expect(parseCliArgs([], { NODE_ENV: 'production' }).production).toBe(true);
    expect(parseCliArgs([], { NODE_ENV: 'development' }).production).toBe(false);
  });

  it.each([[['--port', '70000']], [['--port', 'x']], [['--sync', 'off']], [['--db']], [['--verbose']], [['--admin-token', 'short']]])('refuses %j', (argv) => {
    expect(() => parseCliArgs(argv)).toThrow();
  });
});

/** Runs the CLI until `until` matches its stderr, then SIGTERMs it; resolves stderr and exit code. */
function runCli(args: string[], until?: RegExp, onReady?: (log: string) => Promise<void>): Promise<{ log: string; code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/collector/cli.ts', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  let ready = false;
  child.stderr.on('data', (chunk) => {
    log += chunk;
    if (until && !ready && until.test(log)) {
      ready = true;
      // void: a rejection of onReady still surfaces, as an unhandled rejection the test run reports.
      void (onReady ? onReady(log) : Promise.resolve()).finally(() => child.kill('SIGTERM'));
    }
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ log, code })));
}

describe('collector CLI', () => {
  it('starts with the demo site, accepts beacons from its own origin, and stops on SIGTERM', { timeout: 30_000 }, async () => {
    let status = 0;
    const { log, code } = await runCli(['--port', '0', '--host', '127.0.0.1', '--db', join(dir, 'demo', 'c.db')], /inspector: /, async (text) => {
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text)![1];
      const response = await fetch(`http://127.0.0.1:${port}/v4/demo`, {
        method: 'POST',
        headers: { origin: `http://localhost:${port}` },
        body: batchBody([makeEvent()], 'demo'),
      });
      status = response.status;
    });
    expect(log).toMatch(/demo site "demo": key demo-key, secret demo-secret/);
    expect(status).toBe(200);
    expect(code).toBe(0);
  });

  it('refuses a broken sites file with exit code 2', { timeout: 30_000 }, async () => {
    const sites = join(dir, 'sites.json');
    writeFileSync(sites, JSON.stringify([{ id: 'x', origins: ['nope'], key: 'k', secret: 's' }]));
    const { log, code } = await runCli(['--port', '0', '--db', join(dir, 'bad', 'c.db'), '--sites', sites]);
    expect(code).toBe(2);
    expect(log).toMatch(/is not an origin/);
  });
});
