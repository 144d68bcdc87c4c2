/**
 * The extension module (`dist/rejoiner-extensions.js`, and a lazy chunk of the ESM build): the
 * extension commands of DESIGN.md that the 5 KB core leaves out: `trackHistory`,
 * `bridgeDataLayer`, `requireConsent`, `setConsent` and `respectGPC`. The core loads it when a
 * command names something it does not know, and before it starts when the queue at boot asks
 * about consent (boot.ts, `Extensions`).
 */
import type { Dispatch, Extensions } from '../browser/boot';
import type { Command } from '../browser/commands';
import { consentCommands, gateStart } from './consent';
import { bridgeDataLayer } from './data-layer';
import { dedupeAddPageView, trackHistory } from './history';
import { report, useCore } from './report';

/** Command tables already extended (one per page; the ESM build and a snippet share it). */
const extended = new WeakSet<object>();

function extend(go: Dispatch, commands: Record<string, Command>): void {
  if (extended.has(commands)) return;
  extended.add(commands);
  dedupeAddPageView(commands);
  commands.trackHistory = (option) => trackHistory(go, option);
  commands.bridgeDataLayer = (option) => bridgeDataLayer(go, option);
  Object.assign(commands, consentCommands(go, commands));
}

const extensions: Extensions = (go, coreReport, coreSetDebug, command, commands) => {
  try {
    useCore(coreReport, coreSetDebug);
    if (!commands) return gateStart(go as () => void);
    extend(go, commands);
    // Run here and now, not through `go`: the core holds later commands until this returns.
    const [name, argument] = Array.isArray(command) ? command : [];
    if (typeof commands[name] != 'function') return report.warn('unknown command', command);
    report.log(name, argument);
    commands[name](argument);
  } catch (error) {
    report.warn('extensions failed:', error);
  }
};

export default extensions;
