/** The script-tag build (`dist/rejoiner.js`): boots on load and never throws into the page. */
import { boot } from './boot';
import { report } from './report';
import { BOOT_FAILED } from './report-codes';

try {
  // Beacons go to the origin this script came from. The extension and debug modules (ES modules,
  // hence `import()`) sit next to this file; their names must not change, old pages ask for them.
  const src = (document.currentScript as HTMLScriptElement | null)?.src || location.href;
  const nextToThisScript = (file: string) => () => import(new URL(file, src) as unknown as string);
  boot(new URL(src).origin, nextToThisScript('rejoiner-extensions.js'), nextToThisScript('rejoiner-debug.js'));
} catch (error) {
  report(BOOT_FAILED, error);
}
