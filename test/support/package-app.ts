/**
 * Helpers for the tests of the package as npm ships it (test/package): pack the built package,
 * install it into a scratch app, run its bin, and send a beacon through the installed collector
 * and read it back with the installed server client.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchBody, makeEvent } from './collector';

/** The checkout under test. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end (no shell). Never rejects: the caller asserts on the exit code. */
export function run(command: string, args: string[], { cwd, env }: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: env ?? process.env, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: unknown }).code as number) ?? 1 : 0, stdout, stderr, ms: performance.now() - started }),
    );
  });
}

/** Runs a command that must succeed; rejects with its output otherwise. */
export async function must(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  const ran = await run(command, args, options);
  if (ran.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${ran.code}:\n${ran.stdout}\n${ran.stderr}`);
  return ran;
}

export interface Packed {
  tarball: string;
  /** Bytes of the .tgz. */
  size: number;
  unpackedSize: number;
  files: string[];
}

/**
 * `npm pack` of the built checkout. Scripts are skipped because `prepack` would run the whole
 * build again (about a minute), and `npm test` has just built it.
 */
export async function packBuilt(into: string): Promise<Packed> {
  for (const file of ['dist/rejoiner.js', 'dist/server.d.mts', 'collector/cli.mjs'])
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run npm run build first`);
  const { stdout } = await must('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], { cwd: ROOT });
  const [info] = JSON.parse(stdout) as [{ filename: string; size: number; unpackedSize: number; files: { path: string }[] }];
  return { tarball: join(into, info.filename), size: info.size, unpackedSize: info.unpackedSize, files: info.files.map((file) => file.path) };
}

/** A new empty app folder: a package.json of an ES-module project and nothing else. */
export function scratchApp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch-app', version: '1.0.0', private: true, type: 'module' }));
  return dir;
}

/**
 * npm flags for installs in a test: the npm cache first (the registry only for what it lacks), and
 * no audit or funding requests that would only add time.
 */
export const NPM_QUIET = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

export interface RunningBin {
  url: string;
  log: () => string;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

/**
 * Starts a collector command and resolves once it says where it listens. It runs in a process
 * group of its own and `stop()` signals the whole group: `npm run` starts the collector through a
 * shell that does not pass SIGTERM on, which would leave the collector running.
 */
export function startBin(command: string, args: string[], { cwd, env }: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<RunningBin> {
  const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`no "listening on" within 60 s:\n${log}`));
    }, 60_000);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(log)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({ url, log: () => log, stop: () => (process.kill(-child.pid!, 'SIGTERM'), exited) });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before listening:\n${log}`));
    });
  });
}

/**
 * Posts one beacon for the demo site as the snippet does, then reads the site's events back with
 * the server client of the package installed in `appDir` (`rejoiner-v4/server`, signed with the
 * demo pair). Resolves the beacon's status, the event id sent and the ids read back.
 */
export async function beaconRoundTrip(url: string, appDir: string): Promise<{ status: number; sent: string; read: string[] }> {
  const event = makeEvent();
  const response = await fetch(`${url}/v4/demo`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: url },
    body: batchBody([event], 'demo'),
  });
  writeFileSync(
    join(appDir, 'read-events.mjs'),
    `import { createRejoinerClient } from 'rejoiner-v4/server';
const client = createRejoinerClient({ baseUrl: process.argv[2], siteId: 'demo', auth: { key: 'demo-key', secret: 'demo-secret' } });
const ids = [];
for await (const event of (await client.exportEvents()).events) ids.push(event.id);
console.log(JSON.stringify(ids));
`,
  );
  const { stdout } = await must(process.execPath, ['read-events.mjs', url], { cwd: appDir });
  return { status: response.status, sent: event.id, read: JSON.parse(stdout) as string[] };
}
