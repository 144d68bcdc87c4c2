/**
 * The library's only console output: silent unless debug mode is on (`['setDebug', true]` or
 * `?rejoiner_debug=1` in the page URL). Console access is guarded: some embedded browsers have
 * none.
 */
let debug: unknown = false;
try {
  debug = /[?&]rejoiner_debug=1/.test(location.search);
} catch {
  // no location (a worker or server render): stay silent
}

export const setDebug = (on: unknown): void => {
  debug = on;
};

const write = (level: 'log' | 'warn', args: unknown[]): void => {
  try {
    // eslint-disable-next-line no-console -- the library's one console writer
    if (debug) console[level]('[rejoiner]', ...args);
  } catch {
    // a console that throws must not break the page
  }
};

/** A command, request or decision, for readers of the debug output. */
export const log = (...args: unknown[]): void => write('log', args);

/** Something the site should fix: a malformed command, a dropped value, a refused batch. */
export const warn = (...args: unknown[]): void => write('warn', args);
