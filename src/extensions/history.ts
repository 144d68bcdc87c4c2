/**
 * `['trackHistory', true | {hash: true}]`: automatic page views for single-page apps. A page view
 * is counted when the URL really changes through `history.pushState` / `replaceState` or
 * `popstate` (and, with `{hash: true}`, a change of the `#fragment` or `hashchange`). It is counted
 * a moment after the change (DELAY_MS), so that a redirect (push, then replace) counts once and
 * the title is the new route's, and at once when the page is hidden first. The app may still
 * call `addPageView` for the same URL: whichever comes second is skipped. The referrer is the
 * previous page view's URL (the core keeps it). A page restored from the back/forward cache is
 * counted by the core once; its `pageshow` is no history change here.
 */
import type { Dispatch } from '../browser/boot';
import type { Command } from '../browser/commands';
import { isObject } from '../protocol/fields';
import { report } from './report';

const DELAY_MS = 50;

let enabled = false;
let hashRouting = false;
/** The URL of the last history state seen, and of the last page view counted. */
let seen = '';
let counted: string | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;

/** The URL as the page-view key: without the fragment unless hash routing is on. */
const keyOf = (url: string): string => (hashRouting ? url : url.split('#')[0]);

/** Wraps the core's `addPageView` so that one URL in a row is counted once. */
export function dedupeAddPageView(commands: Record<string, Command>): void {
  const addPageView = commands.addPageView;
  commands.addPageView = (argument) => {
    const url = new URL((isObject(argument) ? argument.url : argument) as string, location.href).href;
    if (enabled && keyOf(url) == counted) return report.log('page view already counted:', url);
    addPageView(argument);
    counted = keyOf(url);
  };
}

export function trackHistory(go: Dispatch, option: unknown): void {
  hashRouting ||= isObject(option) && option.hash === true;
  if (option === false) {
    enabled = false;
    return;
  }
  seen = keyOf(location.href);
  if (enabled) return;
  enabled = true;

  const count = (): void => {
    clearTimeout(timer);
    timer = undefined;
    const url = location.href;
    if (!enabled || keyOf(url) == seen) return;
    seen = keyOf(url);
    // The title of this moment: the page view may wait behind other commands.
    go(['addPageView', { url, title: document.title }]);
  };
  const changed = (): void => {
    clearTimeout(timer);
    timer = setTimeout(count, DELAY_MS);
  };

  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      try {
        return original.apply(this, args);
      } finally {
        changed();
      }
    };
  }
  addEventListener('popstate', changed);
  addEventListener('hashchange', changed);
  // A page view still waiting when the page goes away is counted before the core sends at hide.
  addEventListener('pagehide', () => timer && count(), true);
  document.addEventListener('visibilitychange', () => document.hidden && timer && count(), true);
}
