/**
 * When the form scanner (src/forms/, `dist/rejoiner-forms.js`) is loaded: the first time the
 * shopper focuses or changes something on the page (`focusin`, which leaves shadow roots too, or
 * `change`: autofill without focus), or once the page is parsed and idle when an input already
 * holds an email (a logged-in checkout) or focus is inside a shadow root. A page nobody interacts with never downloads it, nor
 * one where scanning is off (`setFormScan false`). Until it arrives, the targets of those events
 * are kept and handed to it, and it reads what the fields hold then: an email typed and
 * submitted while it loads is not lost. Then it listens for itself; the idle-time pass still
 * goes through here. The scope of `setFormScan` lives here so that it applies before the module
 * arrives.
 */
import { toEmail } from '../protocol/fields';
import type { Forms } from './boot';
import { report } from './report';
import { whenIdle, whenParsed } from './when';

/** `true`: every form; a string: only fields matching or inside those CSS selectors; `false`: off. */
export type FormScope = boolean | string;

/**
 * Watches for the first use of a form, then loads the scanner once (unless scanning is off),
 * which calls `onEmail` with each email it finds once per `session`. Returns the `setFormScan`
 * command.
 */
export function startForms(
  load: () => Promise<{ default: Forms }>,
  onEmail: (email: string) => void,
  session: () => string,
): (scope: unknown) => void {
  let scope: FormScope = true;
  /** The targets seen while the module loads; undefined until it is asked for. */
  let seen: EventTarget[] | undefined;
  /** The module's reader of one field, once it has arrived. */
  let read: ((field: EventTarget) => void) | undefined;

  const record = (target: EventTarget): void => {
    if (!scope) return;
    if (read) return read(target);
    if (!seen) {
      seen = [];
      load()
        .then((module) => {
          read = module.default(onEmail, session, () => scope, report);
          seen!.map(read);
        })
        .catch(report);
    }
    seen.push(target);
  };
  // Once the module has arrived it listens for itself.
  const onEvent = (event: Event): void => {
    if (!read) record(event.composedPath()[0]);
  };
  addEventListener('focusin', onEvent, true);
  addEventListener('change', onEvent, true);
  whenParsed(() =>
    whenIdle(() => {
      // Focus inside a shadow root, given before the library loaded: events between its fields
      // stay in the root until the module listens there.
      const focused = document.activeElement;
      if (focused?.shadowRoot) record(focused);
      for (const input of document.querySelectorAll('input')) if (toEmail(input.value)) record(input);
    }),
  );

  return (value) => {
    // Off until a selector proves valid: a typo must not widen the scan to the whole page (the
    // dispatcher reports the throw). Anything but true, false or a string means off.
    scope = false;
    scope = typeof value == 'string' ? (document.querySelector(value), value) : value === true;
  };
}
