/**
 * Debug output of the extension module: free text through the core's debug channel
 * (src/browser/report.ts), which the core hands over with every call (boot.ts, `Extensions`).
 * Silent until then, and whenever debug mode is off.
 */
import type { report as coreReport, setDebug as coreSetDebug } from '../browser/report';
import { LOG, WARN } from '../browser/report-codes';

let send: typeof coreReport = () => {};
let debug: typeof coreSetDebug = () => {};

export const useCore = (report: typeof coreReport, setDebug: typeof coreSetDebug): void => {
  send = report;
  debug = setDebug;
};

export const report = {
  log: (...values: unknown[]): void => send(LOG, ...values),
  warn: (...values: unknown[]): void => send(WARN, ...values),
  /** The core's `setDebug`: for a `['setDebug', on]` held while consent is pending. */
  setDebug: (on: unknown): void => debug(on),
};
