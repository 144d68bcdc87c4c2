/** The words of the normalizer's warnings (warnings.ts): one place for the collector and the debug module. */
import { toMetaString } from './fields';
import { DROPPED, NOT_AN_OBJECT, REQUIRED, ROUNDED } from './warnings';

/** The readable text of a normalization warning (PROTOCOL.md "Normalization rules"). */
export function formatWarning(code: number, values: unknown[]): string {
  const [first, second, third] = values;
  if (code == ROUNDED) return `${first}: rounded ${second} to ${third}`;
  if (code == DROPPED) return `${first}: dropped ${toMetaString(second)}`;
  if (code == NOT_AN_OBJECT) return `${first}: not an object`;
  if (code == REQUIRED) return `${first}: ${second} is required`;
  return `warning ${code}: ${values.join(' ')}`;
}
