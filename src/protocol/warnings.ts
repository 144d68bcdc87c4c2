/**
 * Normalization warnings as a code and its values. The browser core reports codes only and ships
 * no message text; the words are in warning-text.ts, which the collector (through
 * `normalizeEventData`) and the browser's debug module use.
 */

/** A value was not a whole number: field, the number read, the integer kept. */
export const ROUNDED = 1;
/** A value could not be read as its field's kind: field, the value. */
export const DROPPED = 2;
/** A payload was not an object: the event type. */
export const NOT_AN_OBJECT = 3;
/** A required field is missing: the event type, the field. */
export const REQUIRED = 4;

/** Receives one warning of the normalizer: its code, then its values. */
export type Report = (code: number, ...values: unknown[]) => void;
