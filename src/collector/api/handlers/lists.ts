/**
 * Mailing lists and their contacts: Rejoiner2 `lists/` (paged, create) and
 * `lists/{id}/contacts/` (paged, add, remove), REST 1.0 `lists` and `contact_add` (which makes
 * a list it does not know, named after its id). One membership model with `subscribeToList`.
 */
import { toMetaString } from '../../../protocol/fields';
import { MAX_KEY_BYTES, MAX_METADATA_KEYS, MAX_STRING_CHARS, limitKey, storableText } from '../../ingest/event-limits';
import type { ContactRow, ListRecord } from '../../store/store';
import { readEmail } from '../conversion-input';
import { pagedAnswer, readPageQuery } from '../paging';
import { empty, fail, isPlainObject, ok, type RestContext, type RestHandlerFn } from '../rest-context';

const iso = (ms: number): string => new Date(ms).toISOString();

export const listJson = (list: ListRecord) => ({ id: list.id, name: list.name, created_at: iso(list.created_at), contact_count: list.contact_count });

export const contactJson = (contact: ContactRow) => ({
  id: contact.customer,
  email: contact.email,
  first_name: contact.first_name ?? '',
  custom_fields: contact.custom_fields ?? {},
  source: contact.source,
  added_at: iso(contact.subscribed_at),
});

/** A contact body: email, first_name, and the other fields as strings. */
function readContact(body: unknown): { email: string; firstName: string | null; customFields: Record<string, string>; listId?: string } | { reason: string } {
  const email = readEmail(body);
  if (!email.ok) return { reason: email.reason };
  const input = body as Record<string, unknown>;
  if (input.first_name !== undefined && input.first_name !== null && typeof input.first_name != 'string') return { reason: 'first_name: a string' };
  const customFields: Record<string, string> = {};
  for (const key of Object.keys(input)) {
    if (key == 'email' || key == 'first_name' || key == 'list_id') continue;
    const text = toMetaString(input[key]);
    if (text === undefined) continue;
    if (Buffer.byteLength(key) > MAX_KEY_BYTES) return { reason: `field names of at most ${MAX_KEY_BYTES} bytes` };
    Object.defineProperty(customFields, storableText(key), { value: storableText(text).slice(0, MAX_STRING_CHARS), enumerable: true, writable: true, configurable: true });
  }
  if (Object.keys(customFields).length > MAX_METADATA_KEYS) return { reason: `at most ${MAX_METADATA_KEYS} custom fields` };
  const firstName = typeof input.first_name == 'string' && input.first_name ? storableText(input.first_name).slice(0, MAX_STRING_CHARS) : null;
  return { email: email.email, firstName, customFields };
}

async function addContact(context: RestContext, listId: string, createMissingList: boolean, rest1: boolean): Promise<void> {
  const contact = readContact(context.body);
  if ('reason' in contact) return fail(context, 400, contact.reason);
  const result = await context.store.addContact(context.site.id, listId, contact, createMissingList);
  // REST 1.0 clients know 400, not 409 (seed 003's list of answers).
  if ('refused' in result) return fail(context, rest1 && result.status == 409 ? 400 : result.status, result.refused);
  // REST 1.0 clients accept exactly 200 (the Magento 2 plugin throws on anything else; seed 003
  // lists 200, 400, 403 and 500), so a new contact there is a 200 too.
  if (rest1) return empty(context, 200);
  ok(context, contactJson(result.contact), result.created ? 201 : 200);
}

export const listHandlers = {
  list: (async (context) => {
    const query = readPageQuery(context.query);
    if ('reason' in query) return fail(context, 400, query.reason);
    const first = await context.store.listLists(context.site.id, { offset: 0, limit: 1000 });
    const page = await context.store.listLists(context.site.id, query.request);
    // A site has at most about 1,000 lists: counting them is bounded.
    ok(context, pagedAnswer(context, query, page, first.rows.length, listJson));
  }) as RestHandlerFn,

  create: (async (context) => {
    const body = context.body;
    if (!isPlainObject(body) || typeof body.name != 'string' || !body.name.trim() || body.name.length > 200)
      return fail(context, 400, 'name: a string of 1-200 characters is required');
    const list = await context.store.createList(context.site.id, storableText(body.name.trim()));
    if ('refused' in list) return fail(context, 400, list.refused);
    ok(context, listJson(list), 201);
  }) as RestHandlerFn,

  contacts: (async (context) => {
    const query = readPageQuery(context.query);
    if ('reason' in query) return fail(context, 400, query.reason);
    const list = await context.store.getList(context.site.id, context.params.list);
    const page = list && (await context.store.listContacts(context.site.id, list.id, query.request));
    if (!list || !page) return fail(context, 404, 'no such list');
    ok(context, pagedAnswer(context, query, page, list.contact_count, contactJson));
  }) as RestHandlerFn,

  contactAdd: (async (context) => addContact(context, context.params.list, false, false)) as RestHandlerFn,

  /** REST 1.0 `contact_add` `{email, list_id, first_name?}`. */
  rest1ContactAdd: (async (context) => {
    const listId = isPlainObject(context.body) ? context.body.list_id : undefined;
    if (!(typeof listId == 'string' && listId.trim()) && typeof listId != 'number') return fail(context, 400, 'list_id: required');
    await addContact(context, limitKey(String(listId).trim()), true, true);
  }) as RestHandlerFn,

  contactRemove: (async (context) => {
    const email = readEmail(context.body);
    if (!email.ok) return fail(context, 400, email.reason);
    const removed = await context.store.removeContact(context.site.id, context.params.list, email.email);
    if (removed == 'no_list') return fail(context, 404, 'no such list');
    if (!removed) return fail(context, 404, 'not a contact of this list');
    ok(context, { removed: true });
  }) as RestHandlerFn,
};
