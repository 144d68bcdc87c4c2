/**
 * Private by default and click-back attribution (CONTRACTS.md "Click-back attribution", DESIGN.md
 * `setUrlScrub`): event URLs, page view URLs and referrers leave the page without personal-data
 * parameters, email addresses or the `_rjt` token; a page opened with `_rjt` reports the token
 * once as `click_back`, never stores it, and sends nothing when consent is refused.
 */
import { expect, test, type Page } from '@playwright/test';
import type { WireEvent } from '../src/protocol/types';
import { BASE, ofType, siteFor, waitForEvents } from './support/beacons';
import { expectNothingSent, settle } from './support/settle';
import { watchErrors } from './support/page';

const TOKEN = 'rjt.v1.Q2xpY2tCYWNr-_0123456789';
const snippet = (site: string, query = '') => `/e2e/fixtures/snippet.html?site=${site}${query}`;
const consentPage = (site: string, query = '') => `/e2e/fixtures/consent/require.html?site=${site}${query}`;

/** Everything the page could have kept: cookies and both storages, as text. */
const keptByThePage = async (page: Page): Promise<string> =>
  JSON.stringify({
    cookies: await page.context().cookies(),
    storage: await page.evaluate(() => [{ ...localStorage }, { ...sessionStorage }]),
  });

const urlsOf = (events: WireEvent[]) =>
  events.flatMap((event) => {
    const data = event.data as { url?: string; referrer?: string };
    return [event.url, ...(event.type == 'page_view' ? [data.url!, data.referrer!] : [])];
  });

test('a page opened from a webhook email link reports its token once, and no URL carries it or personal data', async ({ page }, info) => {
  const site = siteFor(info);
  const errors = watchErrors(page);
  const landing = snippet(site, `&_rjt=${TOKEN}&email=jo%40shop.example&utm_campaign=winback`);
  await page.goto(landing);
  await waitForEvents(site, (events) => ofType(events, 'click_back').length > 0 && ofType(events, 'page_view').length > 0);
  expect(await keptByThePage(page)).not.toContain(TOKEN);

  // The next page: its referrer is the landing page, scrubbed too; no second click_back.
  await page.click('#next');
  // Page 2's own page view first: a route change made before the library reads the URL at load
  // would be counted in its place (seen in Firefox).
  await waitForEvents(site, (sent) => ofType(sent, 'page_view').length >= 2);
  await page.evaluate(() => history.pushState({}, '', location.pathname + location.search + '&step=2'));
  await page.evaluate(() => (window as unknown as { _rejoiner: unknown[] })._rejoiner.push(['addPageView', location.href]));
  const events = await settle(page, site);

  expect(ofType(events, 'click_back').map((event) => event.data)).toEqual([{ token: TOKEN }]);
  const clean = `${BASE}/e2e/fixtures/snippet.html?site=${site}&utm_campaign=winback`;
  expect(ofType(events, 'click_back')[0].url).toBe(clean);
  const views = ofType(events, 'page_view').map((event) => event.data);
  expect(views[0]).toEqual({ url: clean, title: 'Snippet page', referrer: '' });
  expect(views[1]).toEqual({ url: `${BASE}/e2e/fixtures/snippet.html?site=${site}&page=2`, title: 'Snippet page', referrer: clean });
  for (const url of urlsOf(events)) {
    expect(url).not.toContain(TOKEN);
    expect(url).not.toContain('_rjt');
    expect(url).not.toMatch(/jo(@|%40)shop/);
  }
  expect(await keptByThePage(page)).not.toContain(TOKEN);
  expect(errors).toEqual([]);
});

test("['setUrlScrub', [...names]] adds names; ['setUrlScrub', false] keeps URLs but for the token", async ({ page }, info) => {
  const site = siteFor(info);
  // 0 and '' are neither names nor false: ignored, the names given first stay (the minifier must
  // not let them pass for false).
  await page.addInitScript(
    () => ((window as unknown as { _rejoiner: unknown[] })._rejoiner = [['setUrlScrub', ['zip']], ['setUrlScrub', 0], ['setUrlScrub', '']]),
  );
  await page.goto(snippet(site, `&zip=90210&email=jo@shop.example&_rjt=${TOKEN}&x=1`));
  await waitForEvents(site, (events) => ofType(events, 'page_view').length > 0);
  await page.evaluate(() => (window as unknown as { _rejoiner: unknown[] })._rejoiner.push(['setUrlScrub', false], ['addPageView', location.href]));
  const views = ofType(await settle(page, site), 'page_view').map((event) => (event.data as { url: string }).url);
  expect(views).toEqual([
    `${BASE}/e2e/fixtures/snippet.html?site=${site}&x=1`,
    `${BASE}/e2e/fixtures/snippet.html?site=${site}&zip=90210&email=jo@shop.example&x=1`,
  ]);
});

test.describe('click-back and consent', () => {
  test('consent refused: nothing is sent, the token is not kept', async ({ page }, info) => {
    const site = siteFor(info);
    await page.goto(consentPage(site, `&choice=refused&_rjt=${TOKEN}`));
    await expectNothingSent(page, site);
    expect(await keptByThePage(page)).not.toContain(TOKEN);
  });

  test('consent pending, then refused: nothing is sent, the token is not kept', async ({ page }, info) => {
    const site = siteFor(info);
    await page.goto(consentPage(site, `&_rjt=${TOKEN}`));
    await page.click('#reject');
    await expectNothingSent(page, site);
    expect(await keptByThePage(page)).not.toContain(TOKEN);
  });

  test('consent pending, then given: the token is reported once', async ({ page }, info) => {
    const site = siteFor(info);
    await page.goto(consentPage(site, `&_rjt=${TOKEN}`));
    await page.click('#accept');
    const events = await settle(page, site);
    expect(ofType(events, 'click_back').map((event) => event.data)).toEqual([{ token: TOKEN }]);
    expect(await keptByThePage(page)).not.toContain(TOKEN);
  });
});
