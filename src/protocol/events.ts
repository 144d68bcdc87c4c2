/**
 * Normalizes the `data` of each event type (PROTOCOL.md, event table). The browser library runs
 * it on every command payload before sending; the collector runs it again on what it receives,
 * so both agree on every field by construction. Normalizing twice gives the same result.
 */
import { normalizeShape, SHAPES } from './shapes';
import type { EventDataByType, EventType, Warn } from './types';
import { formatWarning } from './warning-text';
import type { Report } from './warnings';

/** True for the event types of PROTOCOL.md. */
export const isEventType = (type: unknown): type is EventType =>
  typeof type == 'string' && Object.prototype.hasOwnProperty.call(SHAPES, type);

/**
 * The normalized `data` of an event of `type`, or undefined when it cannot be used; every
 * reason goes to `report` as a code and its values (warnings.ts). The browser core's form.
 */
export const normalizeData = <T extends EventType>(type: T, data: unknown, report: Report): EventDataByType[T] | undefined =>
  normalizeShape(SHAPES[type], data, report);

/**
 * The normalized `data` of an event of `type`, or undefined when it cannot be used; every
 * reason goes to `warn` as readable text.
 */
export const normalizeEventData = <T extends EventType>(type: T, data: unknown, warn: Warn): EventDataByType[T] | undefined =>
  normalizeData(type, data, (code, ...values) => warn(formatWarning(code, values)));
