/**
 * The collector run from a clone (CONTRACTS.md "Deployment shapes", README "From a clone"):
 * `npm ci && npm run build`, the driver kept as a production dependency, `npm prune --omit=dev`,
 * then `npm run collector` with no TypeScript tooling left. Done in a copy of this checkout (its
 * files, its node_modules as `npm ci` left them, its build as `npm run build` left it).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { beaconRoundTrip, must, NPM_QUIET, ROOT, run, startBin } from '../support/package-app';

let clone: string;
beforeAll(async () => {
  for (const file of ['dist/rejoiner.js', 'collector/cli.mjs'])
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run npm run build first`);
  clone = mkdtempSync(join(tmpdir(), 'rejoiner-clone-'));
  const { stdout } = await must('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT });
  for (const file of stdout.split('\0').filter((name) => name && existsSync(join(ROOT, name)))) {
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(ROOT, file), join(clone, file));
  }
  // A real copy, never links: npm rewrites files in the copy's node_modules.
  for (const folder of ['node_modules', 'dist', 'collector']) cpSync(join(ROOT, folder), join(clone, folder), { recursive: true, dereference: true });

  const range = JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')).peerDependencies['better-sqlite3'] as string;
  const steps = [
    ['install', '--save-prod', `better-sqlite3@${range}`, ...NPM_QUIET],
    ['prune', '--omit=dev', ...NPM_QUIET],
  ];
  for (const args of steps) {
    const { ms } = await must('npm', args, { cwd: clone });
    console.log(`npm ${args.slice(0, 2).join(' ')}: ${Math.round(ms)} ms`);
  }
});
afterAll(() => rmSync(clone, { recursive: true, force: true }));

it('keeps no dev dependency after the prune', () => {
  for (const gone of ['typescript', 'tsx', 'rollup', 'vitest', '@playwright/test']) expect(existsSync(join(clone, 'node_modules', gone)), gone).toBe(false);
  for (const kept of ['better-sqlite3', 'pino', 'send', 'prom-client']) expect(existsSync(join(clone, 'node_modules', kept)), kept).toBe(true);
});

it('runs the collector with npm run collector: help, then a beacon stored and read back', async () => {
  const help = await run('npm', ['run', '--silent', 'collector', '--', '--help'], { cwd: clone });
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^Usage: rejoiner-collector/);

  const collector = await startBin('npm', ['run', '--silent', 'collector', '--', '--port', '0', '--host', '127.0.0.1', '--db', join(clone, '.data', 'c.db')], { cwd: clone });
  try {
    const { status, sent, read } = await beaconRoundTrip(collector.url, clone);
    expect(status).toBe(200);
    expect(read).toContain(sent);
  } finally {
    await collector.stop();
  }
});
