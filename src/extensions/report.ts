/**
 * Debug output of the extension module. It starts with its own copy of the core's console writer
 * (which knows `?rejoiner_debug=1`, and `setDebug` once this module has wrapped it); warnings go
 * through the core's `warn` once the core hands it over (boot.ts, `Extensions`), which also
 * knows an earlier `['setDebug', true]`.
 */
import { log, setDebug, warn } from '../browser/log';

export const report = { log, warn, setDebug };
