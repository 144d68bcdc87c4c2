#!/usr/bin/env node
// `npm start`: installs what a fresh clone lacks, builds the library, then runs the collector
// with the demo site, the demo storefront (public/) and the built library (dist/) on one origin.
// Extra arguments go to the collector: `npm start -- --port 9000`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const step = (command, args) => {
  const { status } = spawnSync(command, args, { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
};

if (!existsSync('node_modules/.package-lock.json')) step('npm', ['ci']);
step('npm', ['run', 'build']);

const args = process.argv.slice(2);
const portAt = args.indexOf('--port');
const port = portAt >= 0 ? args[portAt + 1] : '8787';
const collector = spawn(process.execPath, ['--import', 'tsx', 'src/collector/cli.ts', ...args], { stdio: 'inherit' });
setTimeout(() => {
  if (collector.exitCode === null)
    console.log(`
  Demo shop:   http://localhost:${port}/
  Inspector:   http://localhost:${port}/inspector
  Beacons go to http://localhost:${port}/v4/demo (site "demo"); stop with Ctrl+C.
`);
}, 1500);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => collector.kill(signal));
collector.on('exit', (code) => process.exit(code ?? 0));
