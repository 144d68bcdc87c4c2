/**
 * The package as npm ships it: `npm pack` of the built checkout, installed into scratch apps the
 * way README "Install from npm" says. A browser-only app gets no database driver and type-checks
 * under every `moduleResolution`; a collector app with `better-sqlite3` runs the bin, from another
 * folder, and stores a beacon that the installed server client reads back.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beaconRoundTrip, must, NPM_QUIET, packBuilt, ROOT, run, scratchApp, startBin, type Packed } from '../support/package-app';

const folders: string[] = [];
const track = (dir: string): string => (folders.push(dir), dir);
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

let packed: Packed;
beforeAll(async () => {
  packed = await packBuilt(track(mkdtempSync(join(tmpdir(), 'rejoiner-pack-'))));
  console.log(`tarball ${packed.size} bytes, unpacked ${packed.unpackedSize} bytes, ${packed.files.length} files`);
});

describe('the tarball', () => {
  it('holds the builds, the compiled collector, the inspector and demo pages, the deploy examples, the license, and nothing else', () => {
    expect(packed.files).toContain('LICENSE');
    expect(packed.files).toContain('collector/cli.mjs');
    expect(packed.files).toContain('dist/rejoiner.js');
    expect(packed.files).toContain('dist/server.d.mts');
    expect(packed.files).toContain('public/inspector/index.html');
    expect(packed.files).toContain('deploy/systemd/rejoiner-collector.service');
    const shipped = /^(LICENSE|README\.md|package\.json|dist\/.+|collector\/.+|public\/.+|deploy\/.+)$/;
    expect(packed.files.filter((file) => !shipped.test(file))).toEqual([]);
    expect(packed.files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.mts'))).toEqual([]);
  });

  it('is publishable: not private, builds before packing, drivers as optional peers only', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(manifest.private).toBeUndefined();
    expect(manifest.scripts.prepack).toBe('npm run build');
    expect(manifest.bin).toEqual({ 'rejoiner-collector': './collector/cli.mjs' });
    for (const driver of ['better-sqlite3', 'pg']) {
      expect(manifest.dependencies[driver]).toBeUndefined();
      expect(manifest.peerDependencies[driver]).toBeDefined();
      expect(manifest.peerDependenciesMeta[driver]).toEqual({ optional: true });
    }
  });
});

describe('a browser-only app', () => {
  let app: string;
  beforeAll(async () => {
    app = track(scratchApp('rejoiner-browser-app-'));
    const { ms } = await must('npm', ['install', packed.tarball, ...NPM_QUIET], { cwd: app });
    console.log(`npm install of the tarball into an empty app: ${Math.round(ms)} ms`);
  });

  it('installs no database driver and no native module', () => {
    expect(existsSync(join(app, 'node_modules/rejoiner-v4/collector/cli.mjs'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/better-sqlite3'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/pg'))).toBe(false);
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    expect(Object.entries(lock.packages).filter(([, entry]) => entry.hasInstallScript).map(([path]) => path)).toEqual([]);
  });

  it('imports both entries in Node', async () => {
    writeFileSync(
      join(app, 'imports.mjs'),
      `const browser = await import('rejoiner-v4');
const server = await import('rejoiner-v4/server');
console.log(typeof browser.rejoiner, typeof server.createRejoinerClient, server.sign('secret', 'GET', '/x', ''));`,
    );
    const { stdout } = await must(process.execPath, ['imports.mjs'], { cwd: app });
    expect(stdout).toMatch(/^function function \S+/);
  });

  // Every line must compile except those marked @ts-expect-error, which must not: a declaration
  // that resolved to `any` would make those marks errors of their own.
  const consumer = `import { rejoiner, type RejoinerCommand } from 'rejoiner-v4';
import { createRejoinerClient, sign, type Rejoiner2Client } from 'rejoiner-v4/server';
import type {} from 'rejoiner-v4/global';

const command: RejoinerCommand = ['setCartItem', { product_id: 'SKU-1', price: 1999 }];
rejoiner(['setAccount', 'shop-1'], command);
_rejoiner.push(['setCustomerEmail', 'shopper@shop.example']);
const client: Rejoiner2Client = createRejoinerClient({ baseUrl: 'https://collector.example', siteId: 'shop-1', auth: { key: 'k', secret: 's' } });
const signature: string = sign('s', 'GET', '/api/v2/lists/', '');
void client;
void signature;
// @ts-expect-error: not a command
rejoiner(['track', {}]);
// @ts-expect-error: setCartItem needs a product_id
_rejoiner.push(['setCartItem', { price: 1 }]);
// @ts-expect-error: the REST 1.0 methods are not on a Rejoiner2 client
void client.convertLead;
`;
  const modes = [
    { resolution: 'Bundler', module: 'ESNext' },
    { resolution: 'NodeNext', module: 'NodeNext' },
    { resolution: 'Node16', module: 'Node16' },
  ];
  const cases = modes.flatMap((mode) => [true, false].map((skipLibCheck) => ({ ...mode, skipLibCheck })));

  it.concurrent.for(cases)('type-checks under moduleResolution $resolution, skipLibCheck $skipLibCheck', async ({ resolution, module, skipLibCheck }, { expect }) => {
    const name = `${resolution}-${skipLibCheck ? 'skip' : 'check'}`;
    writeFileSync(join(app, `${name}.ts`), consumer);
    writeFileSync(
      join(app, `tsconfig.${name}.json`),
      JSON.stringify({
        // skipDefaultLibCheck: with skipLibCheck off, TypeScript's own lib.dom.d.ts would be
        // checked too, tripling the time for nothing about this package; ours are still checked.
        compilerOptions: {
          target: 'ES2022', module, moduleResolution: resolution, lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true,
          skipLibCheck, skipDefaultLibCheck: true,
        },
        files: [`${name}.ts`],
      }),
    );
    const ran = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${name}.json`], { cwd: app });
    expect(ran.stdout + ran.stderr).toBe('');
    expect(ran.code).toBe(0);
  });

  it('answers --help, and names the driver to install when asked to run without it', async () => {
    const help = await run('npx', ['--no-install', 'rejoiner-collector', '--help'], { cwd: app });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: rejoiner-collector/);
    expect(help.stdout).toMatch(/--dist VALUE +REJOINER_DIST/);

    const ran = await run('npx', ['--no-install', 'rejoiner-collector', '--port', '0', '--host', '127.0.0.1', '--db', join(app, 'c.db')], { cwd: app });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('the SQLite store needs the npm package better-sqlite3, which is not installed');
    expect(ran.stderr).toContain('npm install better-sqlite3@"^12');
    expect(existsSync(join(app, 'c.db'))).toBe(false);
  });
});

describe('a collector app with better-sqlite3', () => {
  let app: string;
  beforeAll(async () => {
    app = track(scratchApp('rejoiner-collector-app-'));
    // The driver comes from this checkout's node_modules, already compiled: building it again
    // would take minutes and prove nothing about this package. Scripts are off so that npm does
    // not rebuild the linked copy.
    await must('npm', ['install', packed.tarball, join(ROOT, 'node_modules/better-sqlite3'), '--ignore-scripts', ...NPM_QUIET], { cwd: app });
  });

  it('runs the bin from another folder, serves the package\'s own dist/, stores a beacon and gives it back', async () => {
    const elsewhere = track(mkdtempSync(join(tmpdir(), 'rejoiner-cwd-')));
    const bin = join(app, 'node_modules/.bin/rejoiner-collector');
    const collector = await startBin(bin, ['--port', '0', '--host', '127.0.0.1', '--db', join(app, 'data', 'c.db')], { cwd: elsewhere });
    try {
      const script = await fetch(`${collector.url}/dist/rejoiner.js`);
      expect(script.status).toBe(200);
      expect(await script.text()).toBe(readFileSync(join(app, 'node_modules/rejoiner-v4/dist/rejoiner.js'), 'utf8'));
      expect((await fetch(`${collector.url}/inspector`)).status).not.toBe(404);

      const { status, sent, read } = await beaconRoundTrip(collector.url, app);
      expect(status).toBe(200);
      expect(read).toContain(sent);
    } finally {
      expect(await collector.stop()).toBe(0);
    }
  });

  it('names pg when asked for PostgreSQL without it', async () => {
    const ran = await run(join(app, 'node_modules/.bin/rejoiner-collector'), ['--port', '0', '--db', 'postgres://user:pw@127.0.0.1:1/none'], { cwd: app });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('the PostgreSQL store needs the npm package pg, which is not installed');
    expect(ran.stderr).toContain('npm install pg@"^8');
  });
});
