/**
 * The extension module (`dist/rejoiner-extensions.js`, and a lazy chunk of the ESM build): the
 * commands that the core leaves out: the extension commands of DESIGN.md (`trackHistory`,
 * `bridgeDataLayer`, `requireConsent`, `setConsent` and `respectGPC`) and the shopper's profile
 * commands of JS API v4 (`setCustomerData`, `subscribeToList`, `setSessionMetadata`). The core
 * loads it when a command names something it does not know, and before it starts when the queue
 * at boot asks about consent (boot.ts, `Extensions`).
 */
import type { Dispatch, Extensions } from '../browser/boot';
import type { Command, Emit } from '../browser/commands';
import type { addShapes } from '../protocol/shapes';
import { consentCommands, gateStart } from './consent';
import { bridgeDataLayer } from './data-layer';
import { dedupeAddPageView, trackHistory } from './history';
import { profileCommands } from './profile';
import { report, useCore } from './report';

/** Command tables already extended (one per page; the ESM build and a snippet share it). */
const extended = new WeakSet<object>();

function extend(go: Dispatch, commands: Record<string, Command>, emit?: Emit, coreAddShapes?: typeof addShapes): void {
  if (extended.has(commands)) return;
  extended.add(commands);
  dedupeAddPageView(commands);
  commands.trackHistory = (option) => trackHistory(go, option);
  commands.bridgeDataLayer = (option) => bridgeDataLayer(go, option);
  // A core of an earlier version (a cached /dist/rejoiner.js meeting a newer module) hands neither
  // over and keeps these commands itself: the module's other commands still work.
  if (emit && coreAddShapes) Object.assign(commands, profileCommands(emit, coreAddShapes, commands));
  // Last: a refusal after tracking began gates every command the table holds by then.
  Object.assign(commands, consentCommands(go, commands));
}

const extensions: Extensions = (go, coreReport, coreSetDebug, command, commands, emit, coreAddShapes) => {
  try {
    useCore(coreReport, coreSetDebug);
    if (!commands) return gateStart(go as () => void);
    extend(go, commands, emit, coreAddShapes);
    // Run here and now, not through `go`: the core holds later commands until this returns.
    const [name, argument] = Array.isArray(command) ? command : [];
    if (typeof commands[name] != 'function') return report.warn('unknown command', command);
    // Reported as the core's dispatcher reports the commands it runs itself.
    report.log(name, argument);
    try {
      commands[name](argument);
    } catch (error) {
      report.warn(name, 'failed:', error);
    }
  } catch (error) {
    report.warn('extensions failed:', error);
  }
};

export default extensions;
