/** Deferral helpers shared by the sender, the form scanner and boot. */

/**
 * Runs `callback` when the main thread is idle, at most a second later; where the browser has no
 * `requestIdleCallback` (Safari: https://bugs.webkit.org/show_bug.cgi?id=164193), after the
 * current task.
 */
export const whenIdle = (callback: () => void): void => {
  if ('requestIdleCallback' in self) requestIdleCallback(callback, { timeout: 1000 });
  else setTimeout(callback);
};

/** Runs `callback` once the document is parsed: now, or at DOMContentLoaded. */
export const whenParsed = (callback: () => unknown): void => {
  if (document.readyState == 'loading') document.addEventListener('DOMContentLoaded', callback);
  else callback();
};
