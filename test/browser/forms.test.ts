// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Forms } from '../../src/browser/boot';
import { startForms, type FormScope } from '../../src/browser/forms';

/** A fake forms module: what the core handed it once it "arrived", and what it was asked to read. */
const fakeModule = () => {
  const read = vi.fn<(field: EventTarget) => void>();
  const started = vi.fn<Forms>(() => read);
  const load = vi.fn(() => Promise.resolve({ default: started }));
  return { started, load, read };
};

// Listeners stay on the window for the page's life: each test starts its own trigger and turns
// it off afterwards, so later tests' events do not reach its loader.
let module: ReturnType<typeof fakeModule>;
let setFormScan: (scope: unknown) => void;
const $ = (id: string) => document.getElementById(id)!;
const fire = (target: EventTarget, type: string) =>
  target.dispatchEvent(new Event(type, { bubbles: true, composed: type.startsWith('focus') }));
const scopeGiven = (): (() => FormScope) => module.started.mock.calls[0][2];

beforeEach(() => {
  document.body.innerHTML = '<input id="a" type="text"><button id="b">go</button>';
  module = fakeModule();
  setFormScan = startForms(module.load, vi.fn(), () => 'session');
});
afterEach(() => setFormScan(false));

describe('the forms module', () => {
  it('is not loaded while nobody interacts with the page', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(module.load).not.toHaveBeenCalled();
  });

  it.each(['focusin', 'change'])('is loaded once, at the first %s, and reads the targets seen while it loaded', async (type) => {
    fire($('a'), type);
    fire($('b'), 'focusin');
    expect(module.load).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(module.started).toHaveBeenCalledTimes(1));
    expect(module.read.mock.calls.map(([field]) => field)).toEqual([$('a'), $('b')]);
    fire($('a'), 'focusin'); // the module listens for itself now
    expect(module.read).toHaveBeenCalledTimes(2);
    expect(module.load).toHaveBeenCalledTimes(1);
  });

  it('is loaded at idle time when an input already holds an email, with that input', async () => {
    document.body.innerHTML = '<input type="text" value="no email"><input id="e" type="email" value=" Shopper@Example.com ">';
    setFormScan(false);
    module = fakeModule();
    setFormScan = startForms(module.load, vi.fn(), () => 'session');
    expect(module.load).not.toHaveBeenCalled(); // not synchronously: the page may still be busy
    await vi.waitFor(() => expect(module.started).toHaveBeenCalledTimes(1));
    expect(module.read.mock.calls.map(([field]) => field)).toEqual([$('e')]);
  });

  it('hands the idle-time pass to a module that arrived before it', async () => {
    document.body.innerHTML = '<input id="e" type="email" value="shopper@example.com">';
    setFormScan(false);
    module = fakeModule();
    setFormScan = startForms(module.load, vi.fn(), () => 'session');
    fire($('e'), 'focusin');
    await vi.waitFor(() => expect(module.read).toHaveBeenCalledTimes(2));
    expect(module.read.mock.calls.map(([field]) => field)).toEqual([$('e'), $('e')]);
  });

  it('is never loaded while scanning is off', async () => {
    setFormScan(false);
    fire($('a'), 'focusin');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(module.load).not.toHaveBeenCalled();
  });

  it('reports a module that cannot load, without throwing into the page', async () => {
    setFormScan(false);
    const load = vi.fn(() => Promise.reject(new Error('blocked')));
    setFormScan = startForms(load, vi.fn(), () => 'session');
    expect(() => fire($('a'), 'focusin')).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(load).toHaveBeenCalledTimes(1);
  });
});

describe('setFormScan', () => {
  beforeEach(async () => {
    fire($('a'), 'focusin');
    await vi.waitFor(() => expect(module.started).toHaveBeenCalled());
  });

  it('gives the module the scope of the moment: true, a selector, or false', () => {
    expect(scopeGiven()()).toBe(true);
    setFormScan('.newsletter');
    expect(scopeGiven()()).toBe('.newsletter');
    setFormScan(false);
    expect(scopeGiven()()).toBe(false);
  });

  it('an invalid selector throws to the dispatcher (which reports it) and leaves scanning off', () => {
    expect(() => setFormScan('form[')).toThrow();
    expect(scopeGiven()()).toBe(false);
  });

  it.each([[undefined], [null], [0], [1], [{}]])('treats %j as off', (value) => {
    setFormScan(value);
    expect(scopeGiven()()).toBe(false);
  });
});
