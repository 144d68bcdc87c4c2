/**
 * The peers are installed at run time into a temporary folder (never as dependencies of this
 * package): `npm install --prefix <tmp>`, from the npm registry. The folder is removed at the
 * end, on a crash and on SIGINT/SIGTERM (see bench-peers.mjs).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const makeTempDir = () => mkdtempSync(join(tmpdir(), 'bench-peers-'));
export const removeDir = (dir) => { if (dir) rmSync(dir, { recursive: true, force: true }); };

const npm = (dir, pkgs, timeout) => execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--loglevel=error', ...pkgs],
  { stdio: ['ignore', 'ignore', 'inherit'], timeout });

/**
 * Installs every peer's package into `dir` (unless `reuse`: already there) and sets, on each
 * peer, `dir`, `version` and `file` (the script served), or `na` with the reason it is left out.
 */
export async function installPeers(peers, dir, { reuse = false, log = console.error } = {}) {
  const wanted = peers.filter((p) => p.pkg).map((p) => p.pkg);
  if (!reuse && wanted.length) {
    log(`installing ${wanted.join(', ')} from npm into ${dir} ...`);
    try {
      npm(dir, wanted, 300_000);
    } catch (e) {
      log(`npm install failed as a whole (${String(e.message).split('\n')[0]}); trying one by one`);
      for (const pkg of wanted) { try { npm(dir, [pkg], 180_000); } catch { /* that peer is left out of the table */ } }
    }
  }
  for (const p of peers) {
    if (!p.pkg) continue;
    const pkgDir = join(dir, 'node_modules', p.pkg);
    if (!existsSync(join(pkgDir, 'package.json'))) { p.na = 'not installable from npm here'; continue; }
    p.dir = pkgDir;
    p.version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
    if (!existsSync(join(pkgDir, p.path))) { p.na = `${p.path} not in the package`; continue; }
    try {
      p.file = p.prepare ? await p.prepare(pkgDir, dir) : join(pkgDir, p.path);
    } catch (e) { p.na = `could not prepare ${p.path}: ${e.message}`; }
  }
}
