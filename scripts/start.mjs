#!/usr/bin/env node
// `npm start`: installs what a fresh clone lacks, builds the library when its sources changed,
// then runs the collector in this process with the demo site, the demo storefront (public/) and
// the built library (dist/) on one origin. Extra arguments go to the collector:
// `npm start -- --port 9000`.
//
// One process on purpose: stopping `npm start` (Ctrl+C, kill, a closed terminal) stops the
// collector with it, and when npm itself is killed with SIGKILL this process notices that its
// parent is gone and stops too, instead of holding the port.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isBuildFresh } from './lib/build-freshness.mjs';

const ROOT = join(import.meta.dirname, '..');
const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (text) => console.log(`\n▸ ${text}`);

const step = (title, command, args) => {
  say(title);
  const { status } = spawnSync(command, args, { stdio: 'inherit', cwd: ROOT });
  if (status !== 0) {
    console.error(`\n✗ ${command} ${args.join(' ')} exited ${status}`);
    process.exit(status ?? 1);
  }
  console.log(`  done after ${seconds()}`);
};

if (!existsSync(join(ROOT, 'node_modules', '.package-lock.json')))
  step('Installing npm packages (npm ci: about a minute on a fresh clone)', 'npm', ['ci', '--no-audit', '--no-fund']);

if (isBuildFresh(ROOT)) say('Build: dist/ is newer than its sources (skipped)');
else step('Building the library into dist/ (npm run build)', 'npm', ['run', 'build']);

say('Starting the collector (stop with Ctrl+C)');
const args = process.argv.slice(2);
const portAt = args.indexOf('--port');
const port = portAt >= 0 ? args[portAt + 1] : process.env.PORT ?? '8787';

// Parent death: npm runs this script through `sh -c`; when npm is killed outright (SIGKILL: no
// signal reaches this process) the shell stays, so watch the parent and the grandparent
// (Linux's /proc gives the latter; elsewhere only the parent is watched).
const watched = [process.ppid, parentOf(process.ppid)].filter((pid) => pid > 1);
setInterval(() => {
  if (watched.some((pid) => !isAlive(pid)) || process.ppid !== watched[0]) process.kill(process.pid, 'SIGTERM');
}, 500).unref();
// A closed terminal sends SIGHUP: stop as for Ctrl+C instead of being killed mid-write.
process.on('SIGHUP', () => process.kill(process.pid, 'SIGTERM'));

const { register } = await import('tsx/esm/api');
register();
process.chdir(ROOT);
await import(pathToFileURL(join(ROOT, 'src', 'collector', 'cli.ts')).href);

setTimeout(() => {
  console.log(`
  Demo shop:   http://localhost:${port}/
  Inspector:   http://localhost:${port}/inspector
  Beacons go to http://localhost:${port}/v4/demo (site "demo").
`);
}, 1500).unref();

/** The parent process id of `pid` from /proc, or 0 when it cannot be read. */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command name) state ppid …": the name may hold spaces and parentheses.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) || 0;
  } catch {
    return 0;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}
