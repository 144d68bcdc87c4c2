/** The script-tag build (`dist/rejoiner.js`): boots on load and never throws into the page. */
import { boot } from './boot';
import { warn } from './log';

try {
  // Beacons go to the origin this script came from. The extension module (an ES module, hence
  // `import()`) sits next to this file; its name must not change, old pages ask for it.
  const src = (document.currentScript as HTMLScriptElement | null)?.src || location.href;
  boot(new URL(src).origin, () => import(new URL('rejoiner-extensions.js', src) as unknown as string));
} catch (error) {
  warn('boot', error);
}
