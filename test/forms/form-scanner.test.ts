// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FormScope } from '../../src/browser/forms';
import { startFormScanner } from '../../src/forms/form-scanner';
import { useFakeLayout } from './fake-layout';

useFakeLayout();

const SHOPPER = 'shopper@example.com';
const OTHER = 'other@example.com';

// Listeners stay on the document for the page's life (there is no stop), so each test starts
// its own scanner, with its own scope (the core's `setFormScan`, read at each read), and watches
// only its own callback.
let found: string[];
let current: { scope: FormScope };
const reported: unknown[][] = [];
const report = (...values: unknown[]) => void reported.push(values);
beforeEach(() => {
  document.body.innerHTML = '';
  found = [];
  reported.length = 0;
  const mine = (current = { scope: true });
  startFormScanner((email) => found.push(email), () => mine.scope, report);
});
afterEach(() => {
  current.scope = false; // so that it stays quiet in later tests
  vi.restoreAllMocks();
});

const fire = (target: EventTarget, type: string) =>
  target.dispatchEvent(new Event(type, { bubbles: true, composed: type == 'focusout' || type == 'click' }));

const render = (html: string) => {
  document.body.innerHTML = html;
  return (selector: string) => document.querySelector(selector) as HTMLElement;
};

describe('startFormScanner', () => {
  it('reads a field when the shopper leaves it (focusout) or changes it', () => {
    const $ = render(`<input id="a" type="email" name="email" value="${SHOPPER}"><input id="b" type="email" name="email2" value="${OTHER}">`);
    fire($('#a'), 'focusout');
    expect(found).toEqual([SHOPPER]);
    fire($('#b'), 'change');
    expect(found).toEqual([SHOPPER, OTHER]);
  });

  it('classifies a field once when the shopper leaves it changed (change, then focusout)', () => {
    const $ = render(`<input id="a" type="email" name="email" value="${SHOPPER}">`);
    const layout = vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect');
    fire($('#a'), 'change');
    fire($('#a'), 'focusout');
    expect(found).toEqual([SHOPPER]);
    expect(layout).toHaveBeenCalledTimes(1);
    // A new value is read again; so is the field after another one was read.
    ($('#a') as HTMLInputElement).value = OTHER;
    fire($('#a'), 'change');
    fire($('#a'), 'focusout');
    expect(found).toEqual([SHOPPER, OTHER]);
    expect(layout).toHaveBeenCalledTimes(2);
  });

  it('does nothing while typing: input and key events are not listened to', () => {
    const $ = render(`<input id="a" type="email" name="email" value="${SHOPPER}">`);
    for (const type of ['input', 'keydown', 'keyup', 'keypress', 'beforeinput', 'compositionend']) fire($('#a'), type);
    expect(found).toEqual([]);
  });

  it('reads what a field already holds when the shopper enters it (focusin)', () => {
    const $ = render(`<input id="a" type="email" name="email" value="${SHOPPER}">`);
    fire($('#a'), 'focusin');
    expect(found).toEqual([SHOPPER]);
  });

  it('reads every field of a submitted form, and only the shopper\'s', () => {
    const $ = render(`<form id="f">
      <input type="text" name="coupon_code" value="${OTHER}">
      <input type="email" name="billing_email" value="${SHOPPER}">
      <input type="password" name="account_password" value="${OTHER}">
      <input type="email" name="to_email" value="${OTHER}">
    </form>`);
    fire($('#f'), 'submit');
    expect(found).toEqual([SHOPPER]);
  });

  it('reads a form whose type=button button is clicked (a form that never submits)', () => {
    const $ = render(`<form><input type="email" name="email" value="${SHOPPER}">
      <button type="button"><span id="icon">→</span></button></form>`);
    fire($('#icon'), 'click');
    expect(found).toEqual([SHOPPER]);
  });

  it('reads a form whose input type=button is clicked', () => {
    const $ = render(`<form><input type="text" name="email" value="${SHOPPER}"><input id="go" type="button" value="Continue"></form>`);
    fire($('#go'), 'click');
    expect(found).toEqual([SHOPPER]);
  });

  it('ignores clicks outside forms', () => {
    const $ = render(`<input type="email" name="email" value="${SHOPPER}"><button id="b">x</button><p id="p">text</p>`);
    fire($('#b'), 'click');
    fire($('#p'), 'click');
    expect(found).toEqual([]);
  });

  it('reads fields of forms inserted after it started', () => {
    const form = document.createElement('form');
    form.innerHTML = `<input type="email" name="email" value="${SHOPPER}">`;
    document.body.append(form);
    fire(form.querySelector('input')!, 'focusout');
    expect(found).toEqual([SHOPPER]);
  });

  it('reaches fields inside an open shadow root through the composed path', () => {
    const $ = render('<div id="host"></div>');
    const root = $('#host').attachShadow({ mode: 'open' });
    root.innerHTML = `<label for="e">E-mail</label><input id="e" type="text" value="${SHOPPER}">`;
    fire(root.getElementById('e')!, 'focusout');
    expect(found).toEqual([SHOPPER]);
  });

  describe('open shadow roots, whose change, submit and inner focus moves never reach the document', () => {
    const signup = (into: Element | ShadowRoot) => {
      const host = document.createElement('signup-form');
      into.append(host);
      const root = host.attachShadow({ mode: 'open' });
      root.innerHTML = `<form><label for="e">E-mail</label><input id="e" type="text" value="${SHOPPER}"><button>Join</button></form>`;
      return root;
    };
    // What stays inside the root: dispatched without `composed`, as the browser does for these.
    const fireInside = (target: EventTarget, type: string) => target.dispatchEvent(new Event(type, { bubbles: true }));

    // Closed roots are covered in real browsers (e2e/forms.spec.ts): happy-dom's composedPath
    // does not hide their nodes.
    it('listens in a root once focus has entered it: change, submit and focusout inside it are read', () => {
      const root = signup(document.body);
      const input = root.getElementById('e') as HTMLInputElement;
      fireInside(input, 'change');
      expect(found).toEqual([]); // nothing reached the document yet
      input.focus();
      found.length = 0; // entering it read it once already; the events inside are what is tested
      // A new value before each event: a field is read again only when its value changed.
      const emails = ['a@example.com', 'b@example.com', 'c@example.com'];
      input.value = emails[0];
      fireInside(input, 'change');
      input.value = emails[1];
      fireInside(root.querySelector('form')!, 'submit');
      input.value = emails[2];
      fireInside(input, 'focusout');
      expect(found).toEqual(emails);
    });

    it('listens in nested roots', () => {
      const outer = signup(document.body);
      const inner = signup(outer);
      const input = inner.getElementById('e') as HTMLInputElement;
      input.focus();
      found.length = 0;
      input.value = OTHER;
      fireInside(input, 'change');
      expect(found).toEqual([OTHER]);
    });
  });

  it('reads nothing when scanning is off, and again when it is back on', () => {
    const $ = render(`<input id="a" type="email" name="email" value="${SHOPPER}">`);
    current.scope = false;
    fire($('#a'), 'focusout');
    expect(found).toEqual([]);
    current.scope = true;
    fire($('#a'), 'focusout');
    expect(found).toEqual([SHOPPER]);
  });

  it('with a selector scope, reads only fields matching or inside the selectors', () => {
    const $ = render(`<form class="newsletter"><input id="in" type="email" name="email" value="${SHOPPER}"></form>
      <form><input id="out" type="email" name="email" value="${OTHER}"></form>
      <input id="self" class="mine" type="email" name="email" value="me@example.com">`);
    current.scope = '.newsletter, input.mine';
    for (const id of ['#in', '#out', '#self']) fire($(id), 'focusout');
    expect(found).toEqual([SHOPPER, 'me@example.com']);
  });

  it('reads a field again once the scope changed', () => {
    const $ = render(`<input id="a" type="email" name="email" value="${SHOPPER}">`);
    current.scope = '.elsewhere';
    fire($('#a'), 'focusout');
    expect(found).toEqual([]);
    current.scope = true;
    fire($('#a'), 'focusout');
    expect(found).toEqual([SHOPPER]);
  });

  it('lets no exception escape into the page, and reports it', () => {
    const $ = render(`<input id="a" type="email" name="email" value="${SHOPPER}">`);
    let throwingScope: FormScope = true;
    startFormScanner(
      () => {
        throw new Error('callback failed');
      },
      () => throwingScope,
      report,
    );
    const errors: unknown[] = [];
    const onError = (event: Event) => errors.push(event);
    window.addEventListener('error', onError);
    try {
      expect(() => fire($('#a'), 'focusout')).not.toThrow();
      expect(errors).toEqual([]);
      expect(found).toEqual([SHOPPER]); // the other scanner still got it
      expect(reported).toEqual([[new Error('callback failed')]]);
    } finally {
      window.removeEventListener('error', onError);
      throwingScope = false;
    }
  });

  it('reads the fields the core hands it (used while it loaded, prefilled at idle time), each value once', () => {
    const $ = render(`<input id="a" type="email" name="email" value="${SHOPPER}"><input id="b" type="email" name="to_email" value="${OTHER}">`);
    const read: string[] = [];
    const mine = { scope: true as FormScope };
    const take = startFormScanner((email) => read.push(email), () => mine.scope, report);
    expect(read).toEqual([]); // nothing of its own accord
    take($('#a'));
    take($('#b'));
    take($('#a'));
    take($('#a'));
    expect(read).toEqual([SHOPPER, SHOPPER]);
    mine.scope = false;
    take($('#b'));
    take($('#a'));
    expect(read).toEqual([SHOPPER, SHOPPER]);
  });

  it('reads, when it starts, the fields of the open roots around the focused element', () => {
    const host = document.createElement('div');
    document.body.append(host);
    const root = host.attachShadow({ mode: 'open' });
    root.innerHTML = `<form><input id="e" type="email" name="email" value="${SHOPPER}"><button id="go">Next</button></form>`;
    (root.getElementById('go') as HTMLButtonElement).focus();
    const read: string[] = [];
    const mine = { scope: true as FormScope };
    startFormScanner((email) => read.push(email), () => mine.scope, report);
    expect(read).toEqual([SHOPPER]);
    mine.scope = false;
  });
});

describe('the forms module', () => {
  it('sends each email once per session, whatever reads it', async () => {
    const { default: forms } = await import('../../src/forms/index');
    localStorage.clear();
    document.body.innerHTML = `<form id="f"><input id="a" type="email" name="email" value="${SHOPPER}"></form>`;
    const sent: string[] = [];
    let session = 's1';
    const mine = { scope: true as FormScope };
    const read = forms((email) => sent.push(email), () => session, () => mine.scope, report);
    const field = document.getElementById('a')!;
    read(field);
    fire(field, 'focusout');
    fire(field, 'change');
    expect(sent).toEqual([SHOPPER]);
    fire(document.getElementById('f')!, 'submit');
    expect(sent).toEqual([SHOPPER]);
    session = 's2';
    fire(document.getElementById('f')!, 'submit');
    expect(sent).toEqual([SHOPPER, SHOPPER]);
    mine.scope = false;
  });
});
