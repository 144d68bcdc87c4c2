/**
 * `PUT sessions/{id}/`: a merchant's backend annotates a tracked session (the session ids the
 * snippet sends) with payment, fulfillment and delivery dates (ISO 8601; null clears one) and
 * metadata, merged key by key.
 */
import { toMetaString } from '../../../protocol/fields';
import { MAX_KEY_BYTES, MAX_METADATA_KEYS } from '../../ingest/event-limits';
import type { SessionRecord } from '../../store/store';
import { fail, isPlainObject, ok, type RestHandlerFn } from '../rest-context';

const DATES = ['payment_date', 'fulfillment_date', 'delivery_date'] as const;
const ISO_8601 = /^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:?\d\d)?)?$/;

export const sessionHandler: RestHandlerFn = async (context) => {
  const body = context.body;
  if (!isPlainObject(body)) return fail(context, 400, 'body must be a JSON object');
  for (const field of Object.keys(body))
    if (!(DATES as readonly string[]).includes(field) && field != 'metadata') return fail(context, 400, `${field}: unknown field`);
  const annotation: Partial<Record<(typeof DATES)[number], string | null>> = {};
  for (const field of DATES) {
    const value = body[field];
    if (value === undefined) continue;
    if (value !== null && !(typeof value == 'string' && ISO_8601.test(value) && !isNaN(Date.parse(value))))
      return fail(context, 400, `${field}: an ISO 8601 date or time, or null`);
    annotation[field] = value;
  }
  let metadata: Record<string, string> | undefined;
  if (body.metadata !== undefined) {
    if (!isPlainObject(body.metadata)) return fail(context, 400, 'metadata: a JSON object');
    const keys = Object.keys(body.metadata);
    if (keys.length > MAX_METADATA_KEYS) return fail(context, 400, `metadata: at most ${MAX_METADATA_KEYS} keys`);
    if (keys.some((key) => Buffer.byteLength(key) > MAX_KEY_BYTES)) return fail(context, 400, `metadata: keys of at most ${MAX_KEY_BYTES} bytes`);
    metadata = {};
    for (const key of keys) {
      const text = toMetaString(body.metadata[key]);
      if (text !== undefined) Object.defineProperty(metadata, key, { value: text, enumerable: true, writable: true, configurable: true });
    }
  }
  const session = await context.store.annotateSession(context.site.id, context.params.session, annotation, metadata);
  if (session == 'not_found') return fail(context, 404, 'no such session: sessions are the ids the snippet sends');
  if ('refused' in session) return fail(context, 400, session.refused);
  ok(context, sessionJson(session));
};

/** A session as the REST API answers it: times in ISO 8601 like every other answer, no site. */
const sessionJson = ({ site: _site, first_seen, last_seen, ...session }: SessionRecord) => ({
  ...session,
  first_seen: new Date(first_seen).toISOString(),
  last_seen: new Date(last_seen).toISOString(),
});
