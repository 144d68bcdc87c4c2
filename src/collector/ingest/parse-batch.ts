/**
 * Reads a beacon body (PROTOCOL.md "Request") into checked events. Pure. A body that is not a
 * batch at all is refused whole (400); inside a batch each event stands alone, so good events
 * are kept next to rejected ones.
 */
import type { WireEvent } from '../../protocol/types';
import { checkEvent } from './check-event';

/** More events than the library ever puts in one batch (it splits at 20 or 60 KB). */
export const MAX_BATCH_EVENTS = 5000;

export type ParsedBatch =
  | { ok: true; events: WireEvent[]; rejected: { id: string; reason: string }[]; duplicatesInBatch: number }
  | { ok: false; reason: string };

/** Parses `text` as a batch for `site` (the site of the URL), arrived at `now`. */
export function parseBatch(text: string, site: string, now: number): ParsedBatch {
  let body: unknown;
  try {
    body = JSON.parse(text.charCodeAt(0) == 0xfeff ? text.slice(1) : text);
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  if (typeof body != 'object' || body == null || Array.isArray(body))
    return { ok: false, reason: 'body must be a JSON object {v, lib, site, sent_at, events}' };
  const batch = body as Record<string, unknown>;
  if (batch.v !== 4) return { ok: false, reason: 'v: protocol version 4 is required' };
  if (batch.site !== undefined && batch.site !== site) return { ok: false, reason: 'site: does not match the URL' };
  if (batch.lib !== undefined && typeof batch.lib != 'string') return { ok: false, reason: 'lib: must be a string' };
  if (batch.sent_at !== undefined && typeof batch.sent_at != 'number')
    return { ok: false, reason: 'sent_at: must be a number' };
  if (!Array.isArray(batch.events)) return { ok: false, reason: 'events: an array is required' };
  if (batch.events.length > MAX_BATCH_EVENTS)
    return { ok: false, reason: `events: at most ${MAX_BATCH_EVENTS} per batch` };

  const events: WireEvent[] = [];
  const rejected: { id: string; reason: string }[] = [];
  const seen = new Set<string>();
  let duplicatesInBatch = 0;
  batch.events.forEach((input, index) => {
    const check = checkEvent(input, index, now);
    if (!check.ok) rejected.push({ id: check.id, reason: check.reason });
    else if (seen.has(check.event.id)) duplicatesInBatch++;
    else {
      seen.add(check.event.id);
      events.push(check.event);
    }
  });
  return { ok: true, events, rejected, duplicatesInBatch };
}
