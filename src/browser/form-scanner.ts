/**
 * The form scanner of seed 003: finds the shopper's email in the page's forms. It listens once,
 * at the document in the capture phase, so forms rendered later and fields in open shadow roots
 * need no rescan, and a page's own `stopPropagation` cannot hide them. It reads a field when the
 * shopper leaves it (`focusout`) or changes it (`change`, which autofill fires too), and a whole
 * form on `submit` or on a click of one of its controls (AJAX checkouts and embeds whose button
 * is type=button never submit). Nothing runs while typing, nothing watches mutations; one pass
 * at idle time picks up an email already filled in at load. Which fields count is decided by
 * email-field.ts.
 */
import { emailOf, isWithin } from './email-field';
import { whenIdle, whenParsed } from './when';
import { warn } from './log';

/** The scanner's handle for the `setFormScan` command. */
export interface FormScanner {
  /** `false` turns scanning off, `true` scans every form, a string restricts it to those CSS selectors. */
  _setScope(scope: unknown): void;
}

/**
 * Starts listening and calls `onEmail` with each email found (possibly more than once for the
 * same one: the caller sends each distinct email once per session).
 */
export function startFormScanner(onEmail: (email: string) => void): FormScanner {
  /** true: everywhere; a string: only inside those selectors; false: off. */
  let scope: boolean | string = true;

  const safely = (run: () => void): void => {
    try {
      run();
    } catch (error) {
      warn(error); // never into the host page
    }
  };

  const take = (field: HTMLInputElement): void => {
    const email = scope && emailOf(field);
    if (email && (scope === true || isWithin(field, scope as string))) onEmail(email);
  };

  const takeAll = (fields: Iterable<Element>): void => {
    for (const field of fields) take(field as HTMLInputElement);
  };

  const onEvent = (event: Event): void =>
    safely(() => {
      // composedPath()[0]: the real target inside an open shadow root, not its host.
      const target = event.composedPath()[0] as HTMLInputElement & HTMLFormElement;
      // A submitted form, or the form of a clicked control (AJAX checkouts and embeds whose
      // button is type=button never submit): all its fields. Otherwise the field itself.
      takeAll(
        target.elements ||
          (event.type == 'click' &&
            (target.closest?.('button,input') as HTMLButtonElement | null)?.form?.elements) || [
            target,
          ],
      );
    });

  for (const type of ['focusout', 'change', 'submit', 'click'])
    document.addEventListener(type, onEvent, true);

  // An email already there at load (a logged-in checkout): read once the page is parsed and
  // idle.
  whenParsed(() => whenIdle(() => safely(() => takeAll(document.querySelectorAll('input')))));

  return {
    _setScope(value) {
      // Off until a selector proves valid: a typo must not widen the scan to the whole page (the
      // dispatcher reports the throw). Anything but true, false or a string means off.
      scope = false;
      scope = typeof value == 'string' ? (document.querySelector(value), value) : value === true;
    },
  };
}
