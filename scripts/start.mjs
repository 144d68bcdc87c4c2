#!/usr/bin/env node
// `npm start`: installs what a fresh clone lacks, builds the library and the collector when their
// sources changed,
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

if (isBuildFresh(ROOT)) say('Build: dist/ and collector/ are newer than their sources (skipped)');
else step('Building the library and the collector (npm run build)', 'npm', ['run', 'build']);

say('Starting the collector (stop with Ctrl+C)');
// Parent death: npm runs this script through `sh -c`; when npm is killed outright (SIGKILL: no
// signal reaches this process) the shell stays, so watch the parent and the grandparent
// (Linux's /proc gives the latter; elsewhere only the parent is watched).
// Started by a parent that is already gone (`(npm start &)` in a subshell): nothing to watch.
const watched = [process.ppid, parentOf(process.ppid)].filter((pid) => pid > 1);
if (watched.length) {
  setInterval(() => {
    if (watched.every(isAlive) && process.ppid === watched[0]) return;
    console.error('\n▸ npm start was stopped from outside (its parent process is gone): stopping the collector');
    process.kill(process.pid, 'SIGTERM');
  }, 500).unref();
}
// A closed terminal sends SIGHUP: stop as for Ctrl+C instead of being killed mid-write.
process.on('SIGHUP', () => process.kill(process.pid, 'SIGTERM'));

// The collector as built (collector/cli.mjs), the same code the package's bin runs.
process.chdir(ROOT);
await import(pathToFileURL(join(ROOT, 'collector', 'cli.mjs')).href);


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
