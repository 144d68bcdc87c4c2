/**
 * Normalizes the `data` of each event type (PROTOCOL.md, event table). The browser library runs
 * the same normalizer (shapes.ts) on every command payload before sending; the collector runs it
 * again on what it receives, so both agree on every field by construction. Normalizing twice
 * gives the same result.
 */
import { EXTENSION_SPECS } from './extension-shapes';
import { CUSTOMER_KINDS, SOURCE_KIND } from './fields';
import { addShapes, normalizeShape, SHAPES, type Shape } from './shapes';
import type { EventDataByType, EventType, Warn } from './types';
import { formatWarning } from './warning-text';
import type { Report } from './warnings';

// The collector knows every event type from the start: the browser core gets these with the
// extension module. And it checks an email's `source`, which the browser core sets itself.
addShapes(EXTENSION_SPECS, CUSTOMER_KINDS);
addShapes({ customer_email: 'email:E source:o' }, SOURCE_KIND);

/** The shape of every event type of PROTOCOL.md. */
export const EVENT_SHAPES = SHAPES as Record<EventType, Shape>;

/** True for the event types of PROTOCOL.md. */
export const isEventType = (type: unknown): type is EventType =>
  typeof type == 'string' && Object.prototype.hasOwnProperty.call(EVENT_SHAPES, type);

/**
 * The normalized `data` of an event of `type`, or undefined when it cannot be used; every
 * reason goes to `report` as a code and its values (warnings.ts).
 */
export const normalizeData = <T extends EventType>(type: T, data: unknown, report: Report): EventDataByType[T] | undefined =>
  normalizeShape(EVENT_SHAPES[type], data, report);

/**
 * The normalized `data` of an event of `type`, or undefined when it cannot be used; every
 * reason goes to `warn` as readable text.
 */
export const normalizeEventData = <T extends EventType>(type: T, data: unknown, warn: Warn): EventDataByType[T] | undefined =>
  normalizeData(type, data, (code, ...values) => warn(formatWarning(code, values)));
