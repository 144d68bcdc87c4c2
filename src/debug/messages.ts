/**
 * The words of the core's debug reports (src/browser/report-codes.ts) and of the normalizer's
 * warnings (src/protocol/warnings.ts): for each code, the console level and the values to print
 * after the `[rejoiner]` prefix. The output is what the library printed when these words were
 * still in the core, so guides and screenshots stay true.
 */
import {
  BAD_DOMAIN,
  BAD_SITE,
  BAD_URL_SCRUB,
  BOOT_FAILED,
  COMMAND,
  FAILED,
  LOG,
  OUTBOX_FULL,
  REFUSED,
  RETRYING,
  SENDING,
  WARN,
} from '../browser/report-codes';
import { formatWarning } from '../protocol/warning-text';
import { DROPPED, NOT_AN_OBJECT, REQUIRED, ROUNDED } from '../protocol/warnings';

export interface Message {
  level: 'log' | 'warn';
  /** The values to print, from the values reported with the code. */
  words(values: unknown[]): unknown[];
}

const asIs = (values: unknown[]): unknown[] => values;
const after =
  (...words: unknown[]) =>
  (values: unknown[]): unknown[] => [...words, ...values];
/** A normalizer's warning: one line of text, as the collector words it too. */
const warning = (code: number): Message => ({ level: 'warn', words: (values) => [formatWarning(code, values)] });

export const MESSAGES: Record<number, Message> = {
  [ROUNDED]: warning(ROUNDED),
  [DROPPED]: warning(DROPPED),
  [NOT_AN_OBJECT]: warning(NOT_AN_OBJECT),
  [REQUIRED]: warning(REQUIRED),
  [COMMAND]: { level: 'log', words: asIs },
  [FAILED]: { level: 'warn', words: ([name, error]) => [name, 'failed:', error] },
  [BAD_SITE]: { level: 'warn', words: after('bad site') },
  [BAD_DOMAIN]: { level: 'warn', words: after('bad domain') },
  [OUTBOX_FULL]: { level: 'warn', words: after('outbox full') },
  [SENDING]: { level: 'log', words: after('send') },
  [RETRYING]: { level: 'log', words: ([status, delay]) => [status, 'retry', delay] },
  [REFUSED]: { level: 'warn', words: after('refused:') },
  [BOOT_FAILED]: { level: 'warn', words: after('boot') },
  [BAD_URL_SCRUB]: { level: 'warn', words: after('setUrlScrub takes an array of parameter names, or false:') },
  [LOG]: { level: 'log', words: asIs },
  [WARN]: { level: 'warn', words: asIs },
};

/** The console level and the values to print for one report. */
export function describe(report: unknown[]): [level: 'log' | 'warn', values: unknown[]] {
  const [code, ...values] = report;
  const message = typeof code == 'number' ? MESSAGES[code] : undefined;
  if (!message) return ['warn', report]; // an error from a promise's catch, printed as it is
  return [message.level, message.words(values)];
}
