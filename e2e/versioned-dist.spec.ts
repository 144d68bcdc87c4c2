/**
 * Versioned snippet URLs (CONTRACTS.md): a core loaded from the collector's /dist/v{version}/
 * loads its modules (debug messages, form scanner) from that same folder, which the collector
 * caches for a year, so a cached core never meets a module of another version; a core loaded
 * from /dist/ loads them from /dist/. The shop's page is on another origin, as on a real shop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startCollector, type RunningCollector } from '../src/collector/collector';
import { PACKAGE_VERSION } from '../src/collector/package-info';
import { watchErrors } from './support/page';


let collector: RunningCollector;
let dir: string;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'versioned-dist-e2e-'));
  collector = await startCollector({ port: 0, host: '127.0.0.1', db: join(dir, 'collector.db'), distDir: 'dist' });
});

test.afterAll(async () => {
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a shop page whose snippet loads the core from `folder` of the collector, in debug mode. */
async function openShop(page: Page, folder: string): Promise<{ url: string; cacheControl: string }[]> {
  const loaded: { url: string; cacheControl: string }[] = [];
  page.on('response', (response) => {
    if (/\/rejoiner[-\w]*\.js$/.test(response.url()))
      loaded.push({ url: response.url(), cacheControl: response.headers()['cache-control'] ?? '' });
  });
  await page.goto(`/e2e/fixtures/versioned-dist.html?src=${encodeURIComponent(`${collector.url}${folder}rejoiner.js`)}`);
  // The shopper uses the form: the form scanner's module loads.
  await page.focus('#email');
  await expect.poll(() => loaded.map((file) => file.url.split('/').pop()).sort()).toEqual([
    'rejoiner-debug.js',
    'rejoiner-forms.js',
    'rejoiner.js',
  ]);
  return loaded;
}

test('a core from /dist/v{version}/ loads its modules from that folder, cached as immutable', async ({ page }) => {
  const errors = watchErrors(page);
  const folder = `/dist/v${PACKAGE_VERSION}/`;
  const loaded = await openShop(page, folder);
  for (const file of loaded) {
    expect(file.url.startsWith(collector.url + folder), file.url).toBe(true);
    expect(file.cacheControl, file.url).toMatch(/immutable/);
  }
  expect(errors).toEqual([]);
});

test('a core from /dist/ loads its modules from /dist/, briefly cached', async ({ page }) => {
  const errors = watchErrors(page);
  const loaded = await openShop(page, '/dist/');
  for (const file of loaded) {
    expect(file.url, file.url).toMatch(new RegExp(`^${collector.url}/dist/rejoiner[-\\w]*\\.js$`));
    expect(file.cacheControl, file.url).not.toMatch(/immutable/);
  }
  expect(errors).toEqual([]);
});
