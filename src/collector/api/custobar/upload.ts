/**
 * `POST /api/customers/upload/` (seed 001): `{"customers": [...]}`, each record merged into the
 * customer it identifies, in a transaction of its own, so one bad record never rejects the good
 * ones. The answer lists every record's outcome in order: 200 when at least one was stored (or
 * there were none), 400 when every record was refused.
 */
import { fail, isPlainObject, ok, type RestHandlerFn } from '../rest-context';
import { readCustobarRecord } from './custobar-record';

/** Records per upload: the answer comes after all of them, so a request's cost stays bounded. */
export const MAX_UPLOAD_RECORDS = 1000;

type RecordResult = { index: number; id: string | null; status: 'created' | 'updated' | 'deleted' | 'forgotten' } | { index: number; status: 'error'; error: string };

export const custobarUpload: RestHandlerFn = async (context) => {
  const body = context.body;
  if (!isPlainObject(body) || !Array.isArray(body.customers))
    return fail(context, 400, 'the body must be a JSON object with the key "customers": a list of customer objects');
  const unknown = Object.keys(body).find((key) => key != 'customers');
  if (unknown !== undefined) return fail(context, 400, `${unknown.slice(0, 64)}: unknown field`);
  if (body.customers.length > MAX_UPLOAD_RECORDS) return fail(context, 413, `at most ${MAX_UPLOAD_RECORDS} customers per upload`);
  const results: RecordResult[] = [];
  for (const [index, input] of body.customers.entries()) {
    const read = readCustobarRecord(input, context.site.timezone);
    if (!read.ok) {
      results.push({ index, status: 'error', error: read.reason });
      continue;
    }
    const outcome = await context.store.importCustomer(context.site.id, read.record, 'custobar');
    results.push('refused' in outcome ? { index, status: 'error', error: outcome.refused } : { index, ...outcome });
  }
  const count = (status: RecordResult['status']): number => results.filter((result) => result.status == status).length;
  const failed = count('error');
  ok(
    context,
    {
      response: failed ? 'errors' : 'ok',
      created: count('created'),
      updated: count('updated'),
      deleted: count('deleted'),
      forgotten: count('forgotten'),
      failed,
      results,
    },
    failed && failed == results.length ? 400 : 200,
  );
};
