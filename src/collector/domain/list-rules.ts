/**
 * Mailing lists and their contacts (Rejoiner's `lists/`, REST 1.0 `contact_add`, the browser's
 * `subscribeToList`): one membership model whatever adds it. A contact is a customer's
 * membership of a list; removing it never removes the customer. Pure apart from new ids.
 */
import { randomBytes } from 'node:crypto';
import { MAX_LISTS_PER_SITE } from '../ingest/event-limits';
import { createCustomerRow } from './customer-rules';
import { keyOf } from './keys';
import type { CustomerRow, ListRecord, Membership } from './records';
import { noteChange, type WritePlan } from './write-plan';

/** A new list id: 24 hex digits, like customer ids. */
export const createListId = (): string => randomBytes(12).toString('hex');

/** What an API write to a list reads first (under the customer's lock). */
export interface ContactState {
  list: ListRecord | undefined;
  /** How many lists the site has (only needed when the list does not exist). */
  listCount: number;
  customer: CustomerRow | undefined;
  membership: Membership | undefined;
}

/** `POST lists/`: a new list named `name`, or the reason it cannot be made. */
export function planListCreate(plan: WritePlan, input: { site: string; name: string; listCount: number; now: number; id?: string }): ListRecord | { refused: string } {
  if (input.listCount >= MAX_LISTS_PER_SITE) return { refused: `the site has ${MAX_LISTS_PER_SITE} mailing lists already` };
  const list = { site: input.site, id: input.id ?? createListId(), name: input.name, created_at: input.now };
  plan.lists.set(keyOf(list.site, list.id), list);
  return { ...list, contact_count: 0 };
}

/** Why a write naming the email of a customer deleted for good (Custobar `is_deleted`) is refused. */
export const DELETED_EMAIL = 'email: its customer was deleted for good and cannot be written again';

/**
 * Adds `email` to a list (REST 1.0 `contact_add` creates a list it does not know, named after
 * its id; Rejoiner2's `lists/{id}/contacts/` needs the list to exist). Fields other than email
 * and first name are kept as the contact's custom fields. Resolves whether the contact is new.
 */
export function planContactAdd(
  plan: WritePlan,
  state: ContactState,
  input: {
    site: string;
    listId: string;
    email: string;
    firstName: string | null;
    customFields: Record<string, string>;
    createMissingList: boolean;
    now: number;
  },
): { created: boolean; customer: CustomerRow; membership: Membership } | { refused: string; status: 400 | 404 | 409 } {
  const { site, listId, now } = input;
  // Deleted for good (Custobar `is_deleted`): in no list's contacts again, and no list made for it.
  if (state.customer && state.customer.status == 'deleted') return { refused: DELETED_EMAIL, status: 409 };
  if (!state.list) {
    if (!input.createMissingList) return { refused: 'no such list', status: 404 };
    const made = planListCreate(plan, { site, name: listId, listCount: state.listCount, now, id: listId });
    if ('refused' in made) return { refused: made.refused, status: 400 };
  }
  let customer = state.customer ?? createCustomerRow(site, input.email, now);
  if (!state.customer || (input.firstName && !customer.profile.first_name)) {
    customer = { ...customer, profile: input.firstName && !customer.profile.first_name ? { ...customer.profile, first_name: input.firstName } : customer.profile, updated_at: now };
    plan.customers.set(keyOf(site, customer.id), customer);
  }
  noteChange(plan, site, 'customers', customer.id);
  const membership: Membership = {
    site,
    customer: customer.id,
    list_id: listId,
    first_name: input.firstName ?? state.membership?.first_name ?? null,
    source: state.membership?.source ?? 'api',
    subscribed_at: state.membership?.subscribed_at ?? now,
    custom_fields: { ...state.membership?.custom_fields, ...input.customFields },
  };
  plan.memberships.set(keyOf(site, customer.id, listId), membership);
  return { created: !state.membership, customer, membership };
}

/** `lists/{id}/contacts/remove/`: resolves whether the email was a contact of the list. */
export function planContactRemove(plan: WritePlan, state: ContactState): boolean {
  if (!state.membership || !state.customer) return false;
  const { site, customer, list_id } = state.membership;
  plan.removedMemberships.set(keyOf(site, customer, list_id), { site, customer, list_id });
  noteChange(plan, site, 'customers', state.customer.id);
  return true;
}
