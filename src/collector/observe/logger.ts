/**
 * The collector's logs: JSON lines (pino), one object per event, at a level chosen by
 * `--log-level` / `LOG_LEVEL`. Logs never hold personal data (CONTRACTS.md "Paging, cost and
 * logs"): paths are logged without their query string and with emails replaced.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A logger writing JSON lines to `write` (one line per call, no newline), or to stdout. */
export function createLogger(level: LogLevel, write?: (line: string) => void): Logger {
  const options = {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    // "level":"info" rather than 30: read by people as often as by machines.
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return write ? pino(options, { write: (chunk: string) => write(chunk.replace(/\n$/, '')) }) : pino(options, pino.destination({ fd: 1, sync: false }));
}

/** A path fit for a log: no query string, emails (ids may be emails) replaced, at most 200 characters. */
export function loggablePath(url: string | undefined): string {
  const path = (url ?? '').split('?')[0];
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // a malformed escape: keep the raw path, still scrubbed below
  }
  return decoded.replace(/[^/\s@]+@[^/\s]+/g, '[email]').slice(0, 200);
}
