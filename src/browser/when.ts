/** Deferral helpers shared by the sender, the form scanner and boot. */

/**
 * Runs `callback` when the main thread is idle (at most a second later), or soon where the
 * browser has no `requestIdleCallback` (Safari).
 */
export const whenIdle = (callback: () => void): unknown =>
  'requestIdleCallback' in self ? requestIdleCallback(callback, { timeout: 1000 }) : setTimeout(callback, 50);

/** Runs `callback` once the document is parsed: now, or at DOMContentLoaded. */
export const whenParsed = (callback: () => unknown): unknown =>
  document.readyState == 'loading' ? document.addEventListener('DOMContentLoaded', callback) : callback();
