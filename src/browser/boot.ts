/**
 * Boots the library once per page: reads the `_rejoiner` stub, guards against a second copy
 * (a theme and a tag manager both loading it), wires identity, sender, commands, form scanner
 * and the page lifecycle, replays the queue, and counts the automatic page view once the page
 * is parsed, so that a `['trackPageView', false]` anywhere in the page's inline scripts still
 * turns it off.
 */
import { createCommands } from './commands';
import { startFormScanner } from './form-scanner';
import { createIdentity } from './identity';
import { newId } from './ids';
import { onLifecycle } from './lifecycle';
import { log } from './log';
import { attachQueue, createDispatcher, type CommandQueue } from './queue';
import { createSender } from './sender';
import { whenParsed } from './when';

type Dispatch = (...commands: unknown[]) => number;

interface RejoinerGlobals {
  _rejoiner?: unknown;
  /** The dispatcher of the copy that booted first. */
  _rejoinerDispatch?: Dispatch;
}

/**
 * Boots unless a copy already runs. `endpoint` defaults to the origin the script was loaded
 * from (the page's own when bundled).
 */
export function boot(
  endpoint = new URL((document.currentScript as HTMLScriptElement | null)?.src || location.href).origin,
): void {
  const globals = window as unknown as RejoinerGlobals;
  const stub = (Array.isArray(globals._rejoiner) ? globals._rejoiner : (globals._rejoiner = [])) as CommandQueue;
  const booted = globals._rejoinerDispatch;
  if (booted) {
    log('loaded twice');
    if (stub.push != booted) attachQueue(stub, booted);
    return;
  }
  const identity = createIdentity();
  const sender = createSender(newId());
  const scanner = startFormScanner((email) => _tracker._formEmail(email));
  const { _commands, _tracker } = createCommands(identity, sender, scanner);
  const dispatch = (globals._rejoinerDispatch = createDispatcher(_commands));
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
  whenParsed(_tracker._autoPageView);
}
