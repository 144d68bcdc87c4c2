/** Page helpers shared by the specs: page errors, and the back/forward-cache round trip. */
import type { Browser, BrowserType, LaunchOptions, Page } from '@playwright/test';

/** Collects the page's uncaught errors; the array fills as they happen. */
export const watchErrors = (page: Page): string[] => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  return errors;
};

/** Counts, in `window.restores`, the restores from the back/forward cache of every page. */
export const countRestores = (page: Page): Promise<unknown> =>
  page.addInitScript(() => {
    const w = window as unknown as { restores: number };
    w.restores = 0;
    addEventListener('pageshow', (event) => (event.persisted ? w.restores++ : 0));
  });

/**
 * Goes back from the current page and tells whether the previous one came from the back/forward
 * cache (needs `countRestores`). A restore fires no `load`, and Firefox under Playwright reports
 * no navigation for it: go back from inside the page, then wait for `pageshow`.
 */
export const backFromCache = (page: Page): Promise<boolean> =>
  page
    .evaluate(() => setTimeout(() => history.back()))
    .then(() =>
      page.waitForFunction(() => ((window as unknown as { restores?: number }).restores ?? 0) > 0, undefined, {
        timeout: 5000,
      }),
    )
    .then(
      () => true,
      () => false,
    );

/**
 * A browser of the project's kind with the back/forward cache on. Playwright turns Chromium's off
 * with a default argument, and a worker option such as `launchOptions` cannot change inside a
 * describe group: a test that needs the cache launches its own browser, with the project's
 * options minus that argument, leaving the other scenarios in the usual setup.
 */
export const launchWithBackForwardCache = (
  browserType: BrowserType,
  launchOptions: LaunchOptions,
  channel: string | undefined,
): Promise<Browser> => browserType.launch({ ...launchOptions, channel, ignoreDefaultArgs: ['--disable-back-forward-cache'] });
