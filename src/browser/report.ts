/**
 * The library's debug channel: `report(code, ...values)` (codes in report-codes.ts). Silent unless
 * debug mode is on (`['setDebug', true]`, or `?rejoiner_debug=1` in the page URL); the readable
 * messages are in the debug module (src/debug/, `dist/rejoiner-debug.js`), which is loaded the
 * first time debug mode is switched on. Reports made while it loads wait in memory and are printed
 * in order when it arrives, so the commands replayed at boot are shown too. Anything else passed
 * as the first value (an error from a promise's `catch`) is printed as it is.
 */

/** Prints one report: a code and its values, or values as they are. Never throws. */
export type Printer = (values: unknown[]) => void;

let debug: unknown = false;
let loadPrinter: () => Promise<Printer>;
/** The debug module's printer once it has arrived (a no-op if it cannot load). */
let printer: Printer | undefined;
/** Reports made in debug mode before the printer arrived; undefined until debug is first on. */
let waiting: unknown[][] | undefined;

export const report = (...values: unknown[]): void => {
  if (debug) {
    if (printer) printer(values);
    else waiting!.push(values);
  }
};

/** `['setDebug', on]`: the first time it is on, the debug module starts loading. */
export const setDebug = (on: unknown): void => {
  debug = on;
  if (on && !waiting) {
    waiting = [];
    const arrived = (loaded: Printer): void => {
      waiting!.map(loaded);
      printer = loaded;
    };
    // A module that cannot load (blocked, offline) leaves debug mode silent.
    loadPrinter().then(arrived, () => arrived(() => {}));
  }
};

/** Says where the debug module comes from, and turns debug mode on for `?rejoiner_debug=1`. */
export const startDebug = (load: () => Promise<Printer>): void => {
  loadPrinter = load;
  setDebug(/[?&]rejoiner_debug=1/.test(location.search));
};
