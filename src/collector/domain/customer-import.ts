/**
 * A customer record imported by a platform that identifies customers by any of several keys
 * (Custobar's upload, seed 001): which stored customer it is, and what the import changes.
 * Merge-update: only what the import names changes; `null` removes. Pure apart from new ids.
 *
 * Identity: the record is looked up by each identifier it gives (external id, email, and the
 * phone when it gives neither, since phones are not unique). Two identifiers naming two
 * different customers are refused with both ids in the reason: merging would silently join two
 * people's histories, and a sync script can fix its data instead.
 */
import { MAX_TAGS } from '../ingest/event-limits';
import { createCustomerRow, mergeProfileFields } from './customer-rules';
import { keyOf, ownerOf } from './keys';
import { planListCreate } from './list-rules';
import { metadataProblem, upsertMetadata, type MetadataKeys } from './metadata-rules';
import type { ConsentChannel, ConsentSource, CustomerRow, ListRecord, Membership, ProfileFields } from './records';
import { noteChange, planTags, type WritePlan } from './write-plan';

/** A set of strings replaced whole, or changed entry by entry (`tags.add`, `mailing_lists.remove`). */
export interface SetChange {
  /** Replaces the set (an empty array empties it). */
  set?: string[];
  add?: string[];
  remove?: string[];
}

export interface CustomerImport {
  /** Identifiers: a value finds (or moves) the customer; null removes it from the record. */
  external_id?: string | null;
  email?: string | null;
  phone?: string | null;
  /** The phone's lookup key (phone.ts), when `phone` is given. */
  phoneKey?: string | null;
  /** Profile fields; null removes one. */
  fields: { [K in keyof ProfileFields]?: ProfileFields[K] | null };
  /** Permissions: true grants, false refuses, null makes it unknown again. */
  consent: Partial<Record<ConsentChannel, boolean | null>>;
  tags?: SetChange;
  mailingLists?: SetChange;
  /** Company-specific fields (metadata keys); null removes one. */
  metadata: Record<string, unknown>;
  /** Hide the customer for good (Custobar `is_deleted`). */
  deleted: boolean;
  /** Erase the customer's personal data for good (Custobar `is_forgotten`); done after the import. */
  forgotten: boolean;
}

/** The customers the import's identifiers found, read under their locks. */
export interface ImportMatches {
  byExternalId?: CustomerRow;
  byEmail?: CustomerRow;
  /** Customers with the phone (at most two read: more than one is ambiguous). */
  byPhone: CustomerRow[];
}

export type ImportTarget = { customer: CustomerRow | undefined } | { refused: string };

/** Which stored customer the import is about (undefined: a new one), or why it cannot say. */
export function resolveImportTarget(input: CustomerImport, matches: ImportMatches): ImportTarget {
  const { byExternalId, byEmail } = matches;
  if (byExternalId && byEmail && byExternalId.id != byEmail.id)
    return { refused: `external_id and email belong to two customers (${byExternalId.id} and ${byEmail.id}); they are not merged` };
  const found = byExternalId ?? byEmail;
  if (found) {
    if (byEmail && !byExternalId && input.external_id && byEmail.external_id && byEmail.external_id != input.external_id)
      return { refused: `email belongs to the customer ${byEmail.id}, whose external_id is another` };
    return { customer: found };
  }
  // The phone identifies only a record that gives no other identifier.
  if (input.external_id || input.email) return { customer: undefined };
  if (matches.byPhone.length > 1) return { refused: 'phone_number belongs to several customers; give external_id or email' };
  return { customer: matches.byPhone[0] };
}

/** What the import needs besides the customer, read under its locks. */
export interface ImportState {
  metadataKeys: MetadataKeys;
  tags: string[];
  /** The lists the import names. */
  lists: ListRecord[];
  listCount: number;
  /** The customer's memberships of the lists named, or all of them when the set is replaced or the customer deleted. */
  memberships: Membership[];
}

const applySetChange = (current: string[], change: SetChange): string[] => {
  let next = change.set ? change.set.slice() : current.slice();
  if (change.add) next = next.concat(change.add);
  if (change.remove) next = next.filter((entry) => !change.remove!.includes(entry));
  return [...new Set(next)];
};

export type ImportOutcome = { customer: CustomerRow; created: boolean } | { refused: string };

/** Plans the import onto `target` (a new customer when undefined). */
export function planCustomerImport(
  plan: WritePlan,
  state: ImportState,
  input: { site: string; record: CustomerImport; target: CustomerRow | undefined; source: ConsentSource; now: number },
): ImportOutcome {
  const { site, record, target, now } = input;
  const at = new Date(now).toISOString();
  const customer: CustomerRow = target ? { ...target } : createCustomerRow(site, null, now);
  if (record.email !== undefined) customer.email = record.email;
  if (record.external_id !== undefined) customer.external_id = record.external_id;
  if (!customer.email && !customer.external_id && !(record.phone ?? customer.profile.phone))
    return { refused: 'the record would have no identifier left: external_id, phone_number or email' };
  const fields: Record<string, unknown> = { ...record.fields };
  if (record.phone !== undefined) fields.phone = record.phone;
  customer.profile = mergeProfileFields(customer.profile, fields);
  const consent = { ...customer.consent };
  for (const [channel, value] of Object.entries(record.consent) as [ConsentChannel, boolean | null][]) {
    if (value === null) delete consent[channel];
    // A permission restated as it is keeps the date it was given.
    else if (consent[channel]?.state != (value ? 'granted' : 'refused')) consent[channel] = { state: value ? 'granted' : 'refused', at, source: input.source };
  }
  customer.consent = consent;
  if (record.deleted) customer.status = 'deleted';
  customer.updated_at = now;

  const owner = ownerOf('customer', customer.id);
  const removedKeys = Object.keys(record.metadata).filter((key) => record.metadata[key] === null);
  const setKeys = Object.keys(record.metadata).filter((key) => record.metadata[key] !== null);
  const problem = metadataProblem(state.metadataKeys, site, owner, setKeys, removedKeys);
  if (problem) return { refused: problem };

  if (record.tags) {
    const tags = applySetChange(state.tags, record.tags);
    if (tags.length > MAX_TAGS) return { refused: `tags: at most ${MAX_TAGS}` };
    planTags(plan, site, customer.id, 'tag', tags);
  }

  if (record.deleted) {
    // Deleted: out of every mailing list's contacts too (README "Custobar import"); it cannot come back.
    for (const membership of state.memberships)
      plan.removedMemberships.set(keyOf(site, customer.id, membership.list_id), { site, customer: customer.id, list_id: membership.list_id });
  } else if (record.mailingLists) {
    const current = state.memberships.map((membership) => membership.list_id);
    const wanted = applySetChange(current, record.mailingLists);
    const known = new Set(state.lists.map((list) => list.id));
    let listCount = state.listCount;
    for (const listId of wanted) {
      if (current.includes(listId)) continue;
      if (!known.has(listId)) {
        // A mailing list the site does not have yet is made, named after its id (as contact_add does).
        const made = planListCreate(plan, { site, name: listId, listCount: listCount++, now, id: listId });
        if ('refused' in made) return { refused: `mailing_lists: ${made.refused}` };
        known.add(listId);
      }
      plan.memberships.set(keyOf(site, customer.id, listId), {
        site, customer: customer.id, list_id: listId, first_name: null, source: input.source, subscribed_at: now, custom_fields: {},
      });
    }
    for (const listId of current)
      if (!wanted.includes(listId)) plan.removedMemberships.set(keyOf(site, customer.id, listId), { site, customer: customer.id, list_id: listId });
  }

  for (const key of removedKeys) plan.metadata.removed.push({ site, owner, key });
  for (const key of removedKeys) state.metadataKeys.get(keyOf(site, owner))?.delete(key);
  upsertMetadata(plan, state.metadataKeys, site, owner, Object.fromEntries(setKeys.map((key) => [key, record.metadata[key]])));
  plan.customers.set(keyOf(site, customer.id), customer);
  noteChange(plan, site, 'customers', customer.id);
  return { customer, created: !target };
}
