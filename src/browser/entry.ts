/** The script-tag build (`dist/rejoiner.js`): boots on load and never throws into the page. */
import { boot } from './boot';
import { report } from './report';
import { BOOT_FAILED } from './report-codes';

try {
  // Beacons go to the origin this script came from. The modules loaded on demand (ES modules,
  // hence `import()`) sit next to this file; their names must not change, old pages ask for them.
  const src = (document.currentScript as HTMLScriptElement | null)?.src || location.href;
  boot(new URL(src).origin, (name) => import(new URL(`rejoiner-${name}.js`, src) as unknown as string));
} catch (error) {
  report(BOOT_FAILED, error);
}
