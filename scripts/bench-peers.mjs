#!/usr/bin/env node
/**
 * `npm run bench`: the cost of dist/rejoiner.js next to the trackers shops use, in one Chromium.
 *
 *   npm run bench                      builds, then runs every scenario 5 times (20 to 30 minutes)
 *   node scripts/bench-peers.mjs [--runs N] [--only id,id] [--peers-dir DIR] [--verbose]
 *
 * The peers are installed from npm at run time into a temporary folder (removed at the end, on a
 * crash, and on Ctrl-C or SIGTERM); one loopback server serves the pages, every script and every
 * tracker's own endpoints, and the browser answers any request for another host locally, so
 * nothing leaves the machine. Each figure is the median of the runs (at least 5 for a published
 * table; fewer only for a quick check). The parts:
 *
 *   bench/peers.mjs    how each tracker is set up (snippet + init) and its events
 *   bench/install.mjs  the temporary folder and `npm install --prefix`
 *   bench/server.mjs   the local server (pages, scripts, config endpoints, collector) and interception
 *   bench/trace.mjs    Chromium's trace: main-thread tasks and their CPU time
 *   bench/measure.mjs  the scenarios
 *   bench/report.mjs   the table
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { INPUTS } from './bench/common.mjs';
import { installPeers, makeTempDir, removeDir } from './bench/install.mjs';
import { createScenarios } from './bench/measure.mjs';
import { CONTROL, OURS, PEERS } from './bench/peers.mjs';
import { buildReport } from './bench/report.mjs';
import { startServer } from './bench/server.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    only: { type: 'string' }, // e.g. --only ours,rudder (ours and the control always run)
    'peers-dir': { type: 'string' }, // reuse an install made by an earlier run (kept afterwards)
    verbose: { type: 'boolean', default: false }, // page errors and warnings on stderr
  },
});
const RUNS = Math.max(1, Math.min(15, Number(opts.runs) || 5));
const LIMIT_MS = 60 * 60_000; // the whole run stops by itself after an hour
const CHROMIUM = process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const say = (s) => process.stderr.write(s);

// ---- the temporary folder, removed whatever happens -------------------------------------------
const reuse = !!opts['peers-dir'];
const tmp = reuse ? resolve(opts['peers-dir']) : makeTempDir();
let browser, server, cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  try { await browser?.close(); } catch { /* already closed */ }
  try { await server?.close(); } catch { /* already closed */ }
  if (!reuse) removeDir(tmp);
}
const bail = (code, why) => { if (why) console.error(why); cleanup().finally(() => process.exit(code)); };
process.on('SIGINT', () => bail(130, '\ninterrupted: cleaning up'));
process.on('SIGTERM', () => bail(143, 'terminated: cleaning up'));
process.on('uncaughtException', (e) => bail(1, `benchmark crashed: ${e?.stack || e}`));
process.on('unhandledRejection', (e) => bail(1, `benchmark crashed: ${e?.stack || e}`));
process.on('exit', () => { if (!reuse) removeDir(tmp); }); // last resort, synchronous
setTimeout(() => bail(2, `time limit (${LIMIT_MS / 60_000} min) reached`), LIMIT_MS).unref();

/** One scenario; a failure (a crashed page, a timeout) costs that sample, not the run. */
async function attempt(what, run) {
  try { return await run(); } catch (e) { say(`\n  ${what} failed: ${String(e?.message || e).split('\n')[0]}\n`); return null; }
}

async function main() {
  const built = join(ROOT, 'dist/rejoiner.js');
  if (!existsSync(built)) throw new Error('dist/rejoiner.js is missing: run `npx rollup -c` first (npm run bench does)');
  // A snapshot: a rebuild of dist/ during the run (npm test does one) must not change what is measured.
  OURS.file = join(tmp, 'rejoiner.js');
  copyFileSync(built, OURS.file);
  OURS.version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const only = opts.only ? new Set(opts.only.split(',')) : null;
  const peers = PEERS.filter((p) => p === OURS || !only || only.has(p.id));
  if (RUNS < 5) say(`note: --runs ${RUNS} is a quick check; a published table takes at least 5 runs\n`);

  await installPeers(peers, tmp, { reuse, log: (s) => say(s + '\n') });
  server = await startServer([...peers, CONTROL]);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--disable-background-networking', '--disable-component-update', '--disable-quic', '--no-first-run'] });
  const probe = await browser.newPage();
  const userAgent = (await probe.evaluate(() => navigator.userAgent)).replace('HeadlessChrome', 'Chrome');
  await probe.close();
  const S = createScenarios({ browser, server, userAgent, verbose: opts.verbose });

  const active = peers.filter((p) => !p.na);
  const all = [...active, CONTROL];
  const results = new Map(all.map((p) => [p.id, { main: [], wire: [], navBlank: [], navNext: [] }]));
  const form = { ours: [], plain: [], control: [] };
  let isolated;
  for (let r = 0; r < RUNS; r++) {
    // Each run measures every tracker once, starting with a different one, so that a slow
    // spell of the shared machine does not fall on the same tracker every time.
    for (let k = 0; k < all.length; k++) {
      const p = all[(k + r) % all.length];
      const R = results.get(p.id);
      say(`run ${r + 1}/${RUNS}: ${p.id.padEnd(9)}\r`);
      const m = await attempt(`${p.id} main`, () => S.main(p));
      R.main.push(m);
      if (m) isolated = isolated === false ? false : m.isolated;
      else say(`\n  ${p.id}: not ready within 20 s in run ${r + 1}\n`);
      if (p === CONTROL) continue;
      R.wire.push(await attempt(`${p.id} wire`, () => S.wire(p)));
      R.navBlank.push(await attempt(`${p.id} nav`, () => S.nav(p, false)));
      R.navNext.push(await attempt(`${p.id} nav`, () => S.nav(p, true)));
    }
    say(`run ${r + 1}/${RUNS}: form (${INPUTS} inputs)\r`);
    form.ours.push(await attempt('form', () => S.form(OURS, '/form')));
    form.plain.push(await attempt('form', () => S.form(OURS, '/page')));
    form.control.push(await attempt('form', () => S.form(CONTROL, '/form')));
  }
  say(' '.repeat(40) + '\r');
  for (const p of active) if (!results.get(p.id).main.some(Boolean)) p.na = 'never ready (see --verbose)';

  const cpuModel = (() => { try { return readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.+)/)?.[1].trim(); } catch { return undefined; } })() || cpus()[0]?.model;
  const env = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC', cpu: cpuModel, cores: cpus().length,
    os: `${platform()} ${release()}`, chromium: browser.version(), node: process.version, isolated,
  };
  const lines = buildReport({ peers, control: CONTROL, results, form, env, intercepted: server.log.other, runs: RUNS });
  console.log(lines.join('\n'));
}

main().then(() => bail(0), (e) => bail(1, `benchmark failed: ${e?.stack || e}`));
