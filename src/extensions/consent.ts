/**
 * Consent: `requireConsent`, `setConsent true|false` and `respectGPC true|false` (DESIGN.md).
 *
 * When the queue at boot holds `requireConsent` or `respectGPC`, the core waits for `gateStart`
 * (boot.ts) before it creates anything, so until consent there are no cookies, no storage and no
 * requests, and not even a form listener. Commands pushed meanwhile wait in the `_rejoiner` array
 * (memory only, at most MAX_HELD); `setConsent true` starts the core, which replays them in
 * order; `setConsent false` drops them (settings such as `setAccount` excepted), and later pushes
 * are dropped too until a `setConsent true`. The consent commands apply in push order, so the last word wins: `respectGPC` with the
 * browser's Global Privacy Control on counts as a refusal, and a later explicit `setConsent true`
 * (the shopper's own choice in the banner) overrides it.
 *
 * Pushed after tracking has begun (too late for the strict guarantee, and warned about), a
 * refusal or `requireConsent` stops the commands from then on: they are held or dropped as above,
 * the form scanner is turned off, and a refusal deletes the identity cookie and the library's
 * localStorage.
 */
import type { Dispatch } from '../browser/boot';
import type { Command } from '../browser/commands';
import { setCookie } from '../browser/cookies';
import { tryKeys, trySetItem } from '../browser/storage';
import { report } from './report';

/** Commands held while consent is pending (memory only); the oldest go first beyond it. */
export const MAX_HELD = 1000;

type State = 'pending' | 'granted' | 'refused' | undefined;

let state: State;
const CONSENT = /^(requireConsent|setConsent|respectGPC)$/;

/**
 * A queued command's name and argument, each read once. A command that is no array, names no
 * string or cannot be read (an index getter that throws, a revoked Proxy) reads as `['']`: no
 * consent command and no setting. Nothing here may throw: `hold` is the page's `push`.
 */
const read = (command: unknown): [name: string, argument?: unknown] => {
  try {
    const name: unknown = Array.isArray(command) && command[0];
    if (typeof name == 'string') return [name, (command as unknown[])[1]];
  } catch {
    // left to the core's dispatcher, which isolates and reports it
  }
  return [''];
};

/**
 * Settings, not tracking: a refusal keeps them, so that a later grant on the same page starts a
 * core that knows its site, domain and endpoint.
 */
const SETTINGS = /^(setAccount|setDomain|setEndpoint|setDebug|trackPageView|setFormScan|trackHistory|bridgeDataLayer)$/;
const isSetting = (command: unknown): boolean => SETTINGS.test(read(command)[0]);

const gpcIsOn = (): boolean => (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true;

/** Applies one consent command to the state. */
function apply(name: string, argument: unknown): void {
  if (name == 'requireConsent') state ||= 'pending';
  else if (name == 'respectGPC') {
    if (argument !== false && gpcIsOn()) state = 'refused';
  } else if (argument === true || argument === false) state = argument ? 'granted' : 'refused';
  else report.warn('setConsent takes true or false:', argument);
  report.log('consent:', state ?? 'not required');
}

/** Before boot: starts the core now, or when consent is given. */
export function gateStart(start: () => void): void {
  const globals = window as unknown as { _rejoiner: unknown[] & { push(...items: unknown[]): number }; _rejoinerDispatch: unknown };
  const stub = globals._rejoiner;
  const keep = (command: unknown): boolean => {
    const [name, argument] = read(command);
    if (CONSENT.test(name)) apply(name, argument);
    else if (name == 'setDebug') report.setDebug(argument);
    return !CONSENT.test(name); // applied here: the core must not see them again
  };
  const held = stub.splice(0).filter(keep);
  let started = false;

  const settle = (): void => {
    if (state == 'refused') held.splice(0, held.length, ...held.filter(isSetting));
    if (held.length > MAX_HELD) report.warn('consent pending: dropped', held.splice(0, held.length - MAX_HELD).length);
    if (started || state == 'pending' || state == 'refused') return;
    // Granted, or nothing to wait for (respectGPC without the signal): the core takes over the
    // array and replays what waited.
    started = true;
    Array.prototype.push.apply(stub, held);
    start();
  };

  const hold = (...commands: unknown[]): number => {
    // Only until start(): the core then replaces the array's push and this guard.
    for (const command of commands) if (keep(command) && (state != 'refused' || isSetting(command))) held.push(command);
    settle();
    return held.length;
  };
  stub.push = hold;
  globals._rejoinerDispatch = hold;
  settle();
}

/** The consent commands for a core that is already running. */
export function consentCommands(go: Dispatch, commands: Record<string, Command>): Record<string, Command> {
  const late: unknown[] = [];
  const setFormScan = commands.setFormScan;
  let gated = false;

  /** From now on each command waits for consent, or is dropped after a refusal. */
  const gate = (): void => {
    if (gated) return;
    gated = true;
    for (const name in commands) {
      const run = commands[name];
      // Settings stay usable; setFormScan does not, as it could turn the scanner back on.
      if (CONSENT.test(name) || (isSetting([name]) && name != 'setFormScan')) continue;
      commands[name] = (argument) => {
        if (state == 'pending') {
          if (late.push([name, argument]) > MAX_HELD) late.shift();
        } else if (state != 'refused') run(argument);
      };
    }
  };

  const after = (name: string, argument: unknown): void => {
    const before = state;
    apply(name, argument);
    if (state == before) return;
    if (state == 'granted') {
      if (before == 'refused') setFormScan(true);
      go(...late.splice(0));
    } else {
      if (before === undefined) report.warn(name, 'after tracking began: push it before the library loads');
      gate();
      if (state == 'refused') {
        late.length = 0;
        setFormScan(false);
        forgetVisitor();
      }
    }
  };

  return {
    requireConsent: () => after('requireConsent', undefined),
    setConsent: (argument) => after('setConsent', argument),
    respectGPC: (argument) => after('respectGPC', argument),
  };
}

/**
 * Deletes the identity cookie (host-only, and on each parent domain that `setDomain` may have
 * chosen; an IP address has none) and the library's storage.
 */
function forgetVisitor(): void {
  const host = location.hostname;
  setCookie('rj', '', 0);
  if (!/^[\d.]+$|:/.test(host))
    for (let parts = host.split('.'); parts.length > 1; parts.shift()) setCookie('rj', '', 0, parts.join('.'));
  for (const key of tryKeys()) if (!key.indexOf('rejoiner:')) trySetItem(key, null);
}
