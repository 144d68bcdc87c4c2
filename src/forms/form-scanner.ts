/**
 * The form scanner of seed 003: finds the shopper's email in the page's forms. It listens at the
 * document in the capture phase, so forms rendered later need no rescan and a page's own
 * `stopPropagation` cannot hide them. It reads a field when the shopper leaves it (`focusout`),
 * enters it (`focusin`) or changes it (`change`, which autofill fires too), and a whole form on
 * `submit` or on a click of one of its controls (AJAX checkouts and embeds whose button is
 * type=button never submit). Nothing runs while typing, nothing watches mutations; one pass at
 * idle time picks up an email already filled in at load. Which fields count is decided by
 * email-field.ts.
 *
 * Open shadow roots (web components, declarative shadow DOM) need listeners of their own: some
 * events inside one never reach the document. `change` and `submit` are not composed, and when
 * focus moves within one root (Tab from the email field to the form's own button), the target
 * and relatedTarget of its `focusout` are both retargeted to the host, which ends the event's
 * path at the root (https://dom.spec.whatwg.org/#concept-event-dispatch, "relatedTarget").
 * Focus entering a root does reach the document (`focusin`), so each event the scanner sees
 * attaches the same listeners to the open roots around the focused element, nested ones too;
 * attaching a listener twice is a no-op. Closed roots stay out of reach, as they should.
 *
 * It runs in the forms module, which the core loads on demand (src/browser/forms.ts).
 */
import type { FormScope } from '../browser/forms';
import type { report as coreReport } from '../browser/report';
import { emailOf, isWithin } from './email-field';

/**
 * Starts listening and calls `onEmail` with each email found (possibly more than once for the
 * same one: the caller sends each distinct email once per session). `scope` gives the scope of
 * `setFormScan` at each read; errors go to the core's `report`. Returns a reader of one field
 * (the core's: the fields used while this module loaded, and the idle-time pass).
 */
export function startFormScanner(
  onEmail: (email: string) => void,
  scope: () => FormScope,
  report: typeof coreReport,
): (field: EventTarget) => void {
  /** The scope of the last read: a field read under another scope may count under this one. */
  let lastScope: FormScope | undefined;
  /**
   * The field an event read last, and its value then. Leaving a changed field fires `change` and
   * then `focusout`, and an event inside a shadow root is seen at the root and at the document:
   * the same field with the same value is classified once. (Whole forms are read without it: a
   * field hidden at load may be visible at submit.)
   */
  let lastField: EventTarget | undefined;
  let lastValue: string | undefined;

  const safely = (run: () => void): void => {
    try {
      run();
    } catch (error) {
      report(error); // never into the host page
    }
  };

  const take = (field: HTMLInputElement): void => {
    const current = scope();
    const email = current && emailOf(field);
    if (email && (current === true || isWithin(field, current as string))) onEmail(email);
  };

  const takeAll = (fields: Iterable<Element>): void => {
    for (const field of fields) take(field as HTMLInputElement);
  };

  /** Reads one field, unless it was the last one read, with the same value and scope. */
  const takeOnce = (field: HTMLInputElement): void => {
    if (field == lastField && field.value == lastValue && scope() == lastScope) return;
    lastField = field;
    lastValue = field.value;
    lastScope = scope();
    take(field);
  };

  const onEvent = (event: Event): void =>
    safely(() => {
      // A few addEventListener no-ops per focus change or click.
      listen(document);
      // composedPath()[0]: the real target inside an open shadow root, not its host.
      const target = event.composedPath()[0] as HTMLInputElement & HTMLFormElement;
      // A submitted form, or the form of a clicked control (AJAX checkouts and embeds whose
      // button is type=button never submit): all its fields. Otherwise the field itself.
      const form =
        target.elements ||
        (event.type == 'click' && (target.closest?.('button,input') as HTMLButtonElement | null)?.form?.elements);
      if (form) takeAll(form);
      else takeOnce(target);
    });

  /** Capture listeners at `root` (the document or an open shadow root) and the open roots around its focused element. */
  const listen = (root: Document | ShadowRoot | null | undefined): void => {
    if (root) {
      for (const type of ['focusin', 'focusout', 'change', 'submit', 'click']) root.addEventListener(type, onEvent, true);
      listen(root.activeElement?.shadowRoot);
    }
  };
  // A field in a shadow root focused before the module arrived (autofocus, the page's own script,
  // or the shopper before the library or this module loaded) sent its `focusin` unseen: its roots
  // get their listeners now, and their fields are read.
  listen(document);
  safely(() => {
    for (let root = document.activeElement?.shadowRoot; root; root = root.activeElement?.shadowRoot)
      takeAll(root.querySelectorAll('input'));
  });

  return (field) => safely(() => takeOnce(field as HTMLInputElement));
}
