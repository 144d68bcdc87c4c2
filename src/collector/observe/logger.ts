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
    // Any error logged under `err` goes through loggableError (pino's default copies every property).
    serializers: { err: loggableError },
  };
  return write ? pino(options, { write: (chunk: string) => write(chunk.replace(/\n$/, '')) }) : pino(options, pino.destination({ fd: 1, sync: false }));
}

/** An email, also with its "@" percent-encoded once or more (`%40`, `%2540`, …), in any case. */
const EMAIL = /[^/\s@%"'<>]+(?:@|%(?:25)*40)[^/\s"'<>]+/gi;

/** `text` with every run of percent-escapes decoded as far as it goes (at most 3 rounds), where it decodes. */
function decodeSome(text: string): string {
  let current = text;
  for (let round = 0; round < 3 && current.includes('%'); round++) {
    const next = current.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run; // not UTF-8: left as it is, still scrubbed below
      }
    });
    if (next == current) break;
    current = next;
  }
  return current;
}

/**
 * Text fit for a log: emails replaced however they are encoded, at most `max` characters. Used for
 * everything a request can put into a log line (its path, the reason it was refused, an error's
 * message), since reasons and errors quote what the client sent.
 */
export function scrubbed(text: string, max = 200): string {
  return decodeSome(text).replace(EMAIL, '[email]').slice(0, max);
}

/** A path fit for a log: no query string, emails (ids may be emails) replaced, at most 200 characters. */
export function loggablePath(url: string | undefined): string {
  return scrubbed((url ?? '').split('?')[0]);
}

/**
 * An error as a log holds it: its class, code and scrubbed message and stack, never the
 * properties a driver attaches (PostgreSQL's `detail` quotes the row's values: an email).
 */
export function loggableError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: scrubbed(String(error)) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    ...(typeof code == 'string' || typeof code == 'number' ? { code } : {}),
    message: scrubbed(error.message, 500),
    stack: scrubbed(error.stack ?? '', 2000),
  };
}
