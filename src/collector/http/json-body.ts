/**
 * JSON request bodies of the REST APIs. `JSON.parse` accepts any nesting, but storing or
 * answering a value nested a few thousand levels deep overflows the stack in `JSON.stringify`
 * (a RangeError, so a 500): such bodies are refused here with a 400 instead. Strings (and keys)
 * are made storable on every engine (NUL and lone surrogates become U+FFFD). Pure.
 */
import { storableText } from '../ingest/event-limits';

/** Deeper than any customer, cart or list body a real client sends. */
export const MAX_JSON_DEPTH = 32;

export type ParsedJson = { ok: true; value: unknown } | { ok: false; reason: string };

/** Whether `value` nests objects or arrays deeper than `max` levels; iterative, so it cannot overflow. */
export function isNestedDeeper(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (typeof node != 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Parses a UTF-8 body (a byte-order mark is skipped). */
export function parseJsonBody(body: Buffer): ParsedJson {
  let value: unknown;
  try {
    const text = body.toString('utf8');
    value = JSON.parse(text.charCodeAt(0) == 0xfeff ? text.slice(1) : text);
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  if (isNestedDeeper(value, MAX_JSON_DEPTH)) return { ok: false, reason: `body is nested deeper than ${MAX_JSON_DEPTH} levels` };
  return { ok: true, value: storable(value) };
}

/** `value` with every string and key storable (recursion is bounded: the depth was checked). */
function storable(value: unknown): unknown {
  if (typeof value == 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storable);
  if (typeof value != 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value))
    // defineProperty: a key such as "__proto__" stays a plain key.
    Object.defineProperty(out, storableText(key), { value: storable(inner), enumerable: true, writable: true, configurable: true });
  return out;
}
