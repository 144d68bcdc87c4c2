/** The script-tag build (`dist/rejoiner.js`): boots on load and never throws into the page. */
import { boot } from './boot';
import { warn } from './log';

try {
  boot();
} catch (error) {
  warn('boot failed', error);
}
