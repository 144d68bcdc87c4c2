/**
 * The debug module (`dist/rejoiner-debug.js`, and a lazy chunk of the ESM build): the readable
 * messages of debug mode. The core loads it the first time debug mode is switched on
 * (src/browser/report.ts) and hands it every report, those made while it loaded first. Its
 * default export is the printer; it never throws into the page.
 */
import type { Printer } from '../browser/report';
import { describe } from './messages';

const print: Printer = (report) => {
  try {
    const [level, values] = describe(report);
    // eslint-disable-next-line no-console -- debug mode's output is the point of this module
    console[level]('[rejoiner]', ...values);
  } catch {
    // a console that throws (some embedded browsers have none) must not break the page
  }
};

export default print;
