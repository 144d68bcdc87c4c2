/**
 * The only module that watches the page lifecycle. No `unload`/`beforeunload` listener: they
 * make pages ineligible for the back/forward cache, and `pagehide` plus `visibilitychange` cover
 * every way a page goes away (https://developer.chrome.com/docs/web-platform/page-lifecycle-api).
 *
 * `hide(leaving)` runs when the page is hidden (`leaving` on `pagehide`: unload, navigation or
 * the back/forward cache), `restore` when it comes back from that cache, `online` when the
 * browser is back online.
 */
export function onLifecycle(
  hide: (leaving: boolean) => void,
  restore: () => void,
  online: () => void,
): void {
  addEventListener('pagehide', () => hide(true));
  addEventListener('pageshow', (event) => event.persisted && restore());
  addEventListener('online', online);
  document.addEventListener('visibilitychange', () => document.hidden && hide(false));
}
