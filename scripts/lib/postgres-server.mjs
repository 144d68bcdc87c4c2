/**
 * A throwaway PostgreSQL server for tests and benchmarks, from Debian's `postgresql` package:
 * a fresh cluster in a temporary folder on a free port, removed at the end. `initdb` refuses to
 * run as root, so as root the folder belongs to the `postgres` user and the tools run as it.
 *
 *   const server = await startPostgres({ fast: true });   // server.url, server.stop()
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The newest installed server's bin folder (Debian keeps one per major version). */
export function findPostgresBin() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => b - a) : [];
  const bin = versions.map((version) => join(root, version, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
  if (!bin) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (npm test installs it when run as root)');
  return bin;
}

import { freePort } from './free-port.mjs';

export { freePort };

/**
 * Starts a server. `fast` turns durability off (fsync, full page writes): for tests, where the
 * server itself is never killed. Benchmarks leave it on.
 */
export async function startPostgres({ fast = false, maxConnections = 300 } = {}) {
  const bin = findPostgresBin();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'rejoiner-pg-'));
  const ids = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : undefined;
  if (ids) {
    chownSync(dir, ids.uid, ids.gid);
    chmodSync(dir, 0o700);
  }
  const run = (tool, args) => {
    const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    const result = spawnSync(command, argv, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${tool} failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  const port = await freePort();
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const settings = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', `-c max_connections=${maxConnections}`];
  if (fast) settings.push('-c fsync=off', '-c full_page_writes=off', '-c synchronous_commit=off');
  const start = () => run('pg_ctl', ['-D', data, '-o', settings.join(' '), '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  start();
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    /** Stops the server process but keeps its data (an outage); `resume` starts it again. */
    pause() {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    resume: start,
    /** Stops the server and removes its folder. */
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
