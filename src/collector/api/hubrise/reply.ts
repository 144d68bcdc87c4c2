/**
 * HubRise's answer shapes (its API reference, "Errors" and "Pagination"): errors as
 * `{"error_type", "message", "errors": [{field, message}]}`, index endpoints as a JSON array with
 * the next page's cursor in the `X-Cursor-Next` header (none on the last page). Every success is
 * a 200, creations included, as HubRise answers.
 */
import { replyJson } from '../../http/http-io';
import { noteReason } from '../../observe/request-notes';
import type { HubriseRefusal, Page } from '../../store/hubrise/hubrise-store';
import type { RestContext } from '../rest-context';
import type { Checked, FieldError } from './input';

const ERROR_TYPES: Record<number, string> = { 400: 'bad_request', 404: 'not_found', 422: 'unprocessable_entity' };

export function hubriseError(context: RestContext, status: 400 | 404 | 422, message: string, errors?: FieldError[]): void {
  // The request log keeps the reason: messages never quote a value, fields are cut short (an unknown
  // field is the client's key, of any length).
  noteReason(context.res, errors?.length ? `${errors[0].field.slice(0, 64)}: ${errors[0].message}` : message);
  replyJson(context.res, status, { error_type: ERROR_TYPES[status], message, ...(errors ? { errors } : {}) });
}

export const notFound = (context: RestContext, what: string): void => hubriseError(context, 404, `no such ${what}`);

export function refused(context: RestContext, refusal: HubriseRefusal): void {
  hubriseError(context, refusal.status, refusal.refused, refusal.field ? [{ field: refusal.field, message: refusal.refused }] : undefined);
}

/** Answers a failed check; true when it did. */
export function invalid<T>(context: RestContext, checked: Checked<T>): checked is Extract<Checked<T>, { ok: false }> {
  if (checked.ok) return false;
  const message = checked.status == 400 ? `${checked.errors[0].field}: ${checked.errors[0].message}` : 'Validation failed';
  hubriseError(context, checked.status, message, checked.errors);
  return true;
}

export const answer = (context: RestContext, value: unknown): void => replyJson(context.res, 200, value);

export function answerPage<T>(context: RestContext, page: Page<T>, map: (row: T) => unknown): void {
  replyJson(context.res, 200, page.rows.map(map), page.next === null ? {} : { 'x-cursor-next': page.next });
}
