/**
 * The forms module (`dist/rejoiner-forms.js`, and a lazy chunk of the ESM build): the form
 * scanner and its email classifier. The core loads it the first time a page's forms matter
 * (src/browser/forms.ts) and calls its default export once; see boot.ts, `Forms`.
 */
import type { Forms } from '../browser/boot';
import { startFormScanner } from './form-scanner';
import { onceASession } from './sent-emails';

const forms: Forms = (onEmail, session, scope, report) =>
  startFormScanner((email) => onceASession(email, session()) && onEmail(email), scope, report);

export default forms;
