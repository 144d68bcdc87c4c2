/**
 * The only module that watches the page lifecycle. No `unload`/`beforeunload` listener: they
 * make pages ineligible for the back/forward cache, and `pagehide` plus `visibilitychange` cover
 * every way a page goes away (https://developer.chrome.com/docs/web-platform/page-lifecycle-api).
 */
export interface LifecycleHandlers {
  /** The page is hidden; `leaving` is true on `pagehide` (unload, navigation, or bfcache). */
  _hide(leaving: boolean): void;
  /** The page came back from the back/forward cache. */
  _restore(): void;
  /** The browser is back online. */
  _online(): void;
}

export function onLifecycle(handlers: LifecycleHandlers): void {
  addEventListener('pagehide', () => handlers._hide(true));
  addEventListener('pageshow', (event) => event.persisted && handlers._restore());
  addEventListener('online', () => handlers._online());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState == 'hidden') handlers._hide(false);
  });
}
