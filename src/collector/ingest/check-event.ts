/**
 * Checks one event of a beacon batch against PROTOCOL.md's Event envelope and normalizes its
 * `data` with the shared normalizer, exactly as the browser library did before sending. Pure.
 */
import { isEventType, normalizeEventData } from '../../protocol/events';
import type { WireEvent } from '../../protocol/types';
import { applyEventLimits } from './event-limits';
import { CLICK_BACK } from '../domain/click-token';

/** Ids are made by the library (about 20 characters); this is far above that. */
export const MAX_ID_CHARS = 128;

export type EventCheck = { ok: true; event: WireEvent } | { ok: false; id: string; reason: string };

const isShortString = (value: unknown, max = MAX_ID_CHARS): value is string =>
  typeof value == 'string' && value.length > 0 && value.length <= max;

/** The first envelope problem of `input`, or undefined when the envelope is sound. */
function envelopeProblem(input: Record<string, unknown>): string | undefined {
  if (!isShortString(input.id)) return `id: a string of 1-${MAX_ID_CHARS} characters is required`;
  if (!Number.isSafeInteger(input.seq) || (input.seq as number) < 0) return 'seq: a non-negative integer is required';
  if (!isEventType(input.type) && input.type !== CLICK_BACK)
    // Never String() a parsed object: {"toString": 1} makes that throw.
    return `type: unknown event type ${typeof input.type == 'string' ? JSON.stringify(input.type.slice(0, 64)) : typeof input.type}`;
  if (typeof input.ts != 'number' || !Number.isFinite(input.ts) || input.ts < 0) return 'ts: a time in ms is required';
  if (!isShortString(input.visitor)) return `visitor: a string of 1-${MAX_ID_CHARS} characters is required`;
  if (!isShortString(input.session)) return `session: a string of 1-${MAX_ID_CHARS} characters is required`;
  if (input.order !== null && !isShortString(input.order)) return 'order: a string id or null is required';
  if (typeof input.url != 'string') return 'url: a string is required';
  return undefined;
}

/**
 * Checks and normalizes one event that arrived at `now`, and applies the per-event limits; a
 * rejection carries a reason for the reply.
 */
export function checkEvent(input: unknown, index: number, now: number): EventCheck {
  if (typeof input != 'object' || input == null || Array.isArray(input))
    return { ok: false, id: '', reason: `events[${index}]: not an object` };
  const event = input as Record<string, unknown>;
  const id = isShortString(event.id) ? event.id : '';
  const problem = envelopeProblem(event);
  if (problem) return { ok: false, id, reason: problem };
  const warnings: string[] = [];
  let data: unknown;
  if (event.type === CLICK_BACK) {
    // {token}: checked against its signature later (click-back.ts); here only its form.
    const token = (event.data as { token?: unknown } | null)?.token;
    if (typeof token != 'string' || !token || token.length > 400) return { ok: false, id, reason: 'data: token: a string of 1-400 characters is required' };
    data = { token };
  } else try {
    data = normalizeEventData(event.type as WireEvent['type'], event.data, (message) => warnings.push(message));
  } catch {
    // Hostile payloads (an object whose toString is not a function, say) make coercion throw.
    return { ok: false, id, reason: 'data: could not be read' };
  }
  if (data === undefined) return { ok: false, id, reason: `data: ${warnings.join('; ') || 'unusable'}`.slice(0, 500) };
  const limited = applyEventLimits(
    {
      id,
      seq: event.seq as number,
      type: event.type as WireEvent['type'],
      ts: event.ts as number,
      visitor: event.visitor as string,
      session: event.session as string,
      order: event.order as string | null,
      url: event.url as string,
      data: data as WireEvent['data'],
    },
    now,
  );
  return limited.ok ? limited : { ok: false, id, reason: limited.reason };
}
