/**
 * Boots the library once per page: reads the `_rejoiner` stub, guards against a second copy
 * (a theme and a tag manager both loading it), wires identity, sender, commands, form scanner
 * and the page lifecycle, replays the queue, and counts the automatic page view once the page
 * is parsed, so that a `['trackPageView', false]` anywhere in the page's inline scripts still
 * turns it off.
 *
 * The extension commands of DESIGN.md (SPA history, data-layer bridge, consent) and the shopper's
 * profile commands (`setCustomerData`, `subscribeToList`, `setSessionMetadata`) live in a second
 * module (src/extensions/), loaded only when a command names something the core does not know.
 * Commands after one the core does not know wait for that module (push order holds), and so does
 * the automatic page view. When the
 * queue at boot holds `requireConsent` or `respectGPC`, nothing starts until the module has
 * decided: consent comes before the first cookie.
 */
import { addShapes } from '../protocol/shapes';
import type { WireEvent } from '../protocol/types';
import { createCommands, type Command, type Emit } from './commands';
import { startForms, type FormScope } from './forms';
import { createIdentity } from './identity';
import { newId } from './ids';
import { onLifecycle } from './lifecycle';
import { attachQueue, createDispatcher, type CommandQueue } from './queue';
import { report, setDebug, startDebug, type Printer } from './report';
import { createSender } from './sender';
import { beaconBody, postBody } from './transport';
import { whenParsed } from './when';

export type Dispatch = (...commands: unknown[]) => unknown;

/**
 * The extension module's entry (its default export), called in one of two ways, always with the
 * core's debug channel (`report`, report.ts) and its `setDebug`:
 * - before boot, `(start, report, setDebug)`: it calls `start()` once tracking may begin (at
 *   once, or when consent is given; never when it is refused);
 * - after boot, `(dispatch, report, setDebug, command, commands, emit, addShapes)` for a command
 *   the core does not know: it adds its handlers to `commands` and runs `command` with them, or
 *   reports that nobody knows it. The core holds later commands until then. `dispatch` is for
 *   commands the module makes up later (page views, data-layer events); `emit` sends an event
 *   (commands.ts) of a type whose payload spec the module has handed to `addShapes`.
 * Positional and unmangled, so the two files share no property names; both come from one build.
 */
export type Extensions = (
  go: Dispatch,
  coreReport: typeof report,
  coreSetDebug: typeof setDebug,
  command?: unknown,
  commands?: Record<string, Command>,
  emit?: Emit,
  coreAddShapes?: typeof addShapes,
) => unknown;

/**
 * The forms module's entry (src/forms/): starts the form scanner, which calls `onEmail` with each
 * email it finds once per session (`session` gives the current one), reads the scope of
 * `setFormScan` at each read, and reports its errors. Returns a reader of one field, for the
 * fields the shopper used while it loaded and for the idle-time pass.
 */
export type Forms = (
  onEmail: (email: string) => void,
  session: () => string,
  scope: () => FormScope,
  coreReport: typeof report,
) => (field: EventTarget) => void;

/**
 * The adopt module's entry (src/adopt/): under a Web Lock, takes the events that gone pages left
 * for this site and endpoint, and hands them to `take` (which stores them as this page's own).
 */
export type Adopt = (site: string, endpoint: string, ownKey: string, take: (events: WireEvent[]) => void) => unknown;

/** The modules the core loads on demand, by name: `dist/rejoiner-{name}.js`, or chunks of the ESM build. */
export interface Modules {
  extensions: Extensions;
  debug: Printer;
  forms: Forms;
  adopt: Adopt;
}

/** Imports one of the modules: a file next to the script, or a chunk of the ESM build. */
export type LoadModule = <Name extends keyof Modules>(name: Name) => Promise<{ default: Modules[Name] }>;

/** The commands that take effect before anything is stored or sent (DESIGN.md). */
const CONSENT_FIRST = /^(requireConsent|respectGPC)$/;

/**
 * Whether a command in the queue at boot is one of CONSENT_FIRST. Each command is read on its
 * own: one that cannot be read (an index getter that throws, a revoked Proxy, a Symbol for a
 * name) must neither stop the boot nor hide a consent command after it.
 */
const asksForConsent = (command: unknown): boolean => {
  try {
    return CONSENT_FIRST.test((command as string[])[0]);
  } catch {
    return false; // the dispatcher reports it
  }
};

interface RejoinerGlobals {
  _rejoiner?: unknown;
  /** The dispatcher of the copy that booted first. */
  _rejoinerDispatch?: Dispatch;
}

/** Boots unless a copy already runs. Beacons go to `endpoint` (an origin). */
export function boot(endpoint: string, load: LoadModule): void {
  const globals = window as unknown as RejoinerGlobals;
  const stub = (Array.isArray(globals._rejoiner) ? globals._rejoiner : (globals._rejoiner = [])) as CommandQueue;
  const booted = globals._rejoinerDispatch;
  if (booted) {
    if (stub.push != booted) attachQueue(stub, booted);
    return;
  }
  startDebug(() => load('debug').then((module) => module.default));
  // A failed import (blocked, offline, a file of another kind at that URL) is only reported.
  const withExtensions = (...args: Parameters<Extensions>): Promise<unknown> =>
    load('extensions')
      .then((module) => module.default(...args))
      .catch(report);

  const start = (): void => {
    const identity = createIdentity();
    const sender = createSender(newId(), postBody, beaconBody, () => load('adopt'));
    const setFormScan = startForms(() => load('forms'), (email) => _tracker._formEmail(email), identity._session);
    const { _commands, _tracker, _emit } = createCommands(identity, sender, setFormScan);
    const dispatch: Dispatch = (globals._rejoinerDispatch = createDispatcher(
      _commands,
      (command) => withExtensions(dispatch, report, setDebug, command, _commands, _emit, addShapes),
      _tracker._autoPageView,
    ));
    sender._setEndpoint(endpoint);
    onLifecycle(
      sender._hide,
      () => {
        sender._restore();
        _tracker._pageView();
      },
      sender._online,
    );
    attachQueue(stub, dispatch);
    _tracker._clickBack();
    // In the queue's turn: after the commands queued before, also those waiting for the module.
    whenParsed(() => dispatch(_tracker._autoPageView));
  };

  // `requireConsent` or `respectGPC` in the queue (no core command matches): the module loads
  // first and decides when to start, so that consent comes before any cookie; if it cannot load,
  // nothing starts. Meanwhile pushes stay in the stub array, and a second copy finds a guard and
  // leaves them there.
  if (stub.some(asksForConsent)) {
    globals._rejoinerDispatch = stub.push;
    void withExtensions(start, report, setDebug); // ends in catch: a module that cannot load starts nothing
  } else start();
}
