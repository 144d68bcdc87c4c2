/** Deferral helpers shared by the sender, the form scanner and boot. */

/**
 * Runs `callback` when the main thread is idle (at most a second later), or soon where the
 * browser has no `requestIdleCallback` (Safari: `setTimeout` reads the options as delay 0).
 */
export const whenIdle = (callback: () => void): unknown =>
  ((self.requestIdleCallback || setTimeout) as (run: () => void, options: IdleRequestOptions) => unknown)(callback, {
    timeout: 1000,
  });

/** Runs `callback` once the document is parsed: now, or at DOMContentLoaded. */
export const whenParsed = (callback: () => unknown): unknown =>
  document.readyState == 'loading' ? document.addEventListener('DOMContentLoaded', callback) : callback();
