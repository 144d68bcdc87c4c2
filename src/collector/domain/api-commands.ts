/**
 * What the REST API's writes do, as plans over loaded records: conversions (one writer per
 * order: the same order rules as beacons), customer profile upserts and updates, and the
 * unsubscribe / opt-in / cancel flags. Pure apart from ids of new records.
 */
import { randomBytes } from 'node:crypto';
import type { Conversion } from '../../protocol/types';
import { createCustomerRow, mergeProfileFields, splitProfile, withConsent, type ProfilePatch } from './customer-rules';
import { keyOf, ownerOf } from './keys';
import { metadataProblem, replaceMetadata, upsertMetadata, type MetadataKeys } from './metadata-rules';
import { applyConversion, createOrderHeader } from './order-rules';
import { contributionOf, sameContribution, withOrder } from './statistics';
import type { CustomerRow, OrderHeader } from './records';
import { noteChange, planTags, type WritePlan } from './write-plan';

/** The customer row and what belongs to it, as loaded for an API write. */
export interface CustomerState {
  customer: CustomerRow | undefined;
  metadataKeys: MetadataKeys;
}

const writeCustomer = (plan: WritePlan, customer: CustomerRow): CustomerRow => {
  plan.customers.set(keyOf(customer.site, customer.id), customer);
  noteChange(plan, customer.site, 'customers', customer.id);
  return customer;
};

/**
 * Converts open orders of `email`: all of them (`lead/convert`) or the latest by the shopper's
 * own clock (`customer/convert/`, `customer/always_convert/`). With none open and a cart given
 * (the shopper paid on another device), or always for always_convert, the conversion is recorded
 * as a new order. Resolves how many open orders converted, or a reason when the conversion's
 * cart metadata cannot be stored.
 */
export function planApiConversion(
  plan: WritePlan,
  input: {
    site: string;
    email: string;
    conversion: Conversion;
    scope: 'all' | 'latest' | 'always';
    /** The email's open orders, latest first. */
    open: OrderHeader[];
    customer: CustomerState;
    now: number;
  },
): { converted: number } | { refused: string } {
  const { site, email, conversion, now } = input;
  const targets = input.scope == 'all' ? input.open.slice() : input.open.slice(0, 1);
  // Nothing open (the shopper paid on another device): a cart given, or always_convert, still records it.
  let customer = input.customer.customer;
  if (!targets.length && (input.scope == 'always' || conversion.cart_data || conversion.cart_items?.length)) {
    targets.push({ ...createOrderHeader(site, `api:${randomBytes(8).toString('hex')}`, now), email });
    customer ??= writeCustomer(plan, createCustomerRow(site, email, now));
  }
  const metadataKeys: MetadataKeys = input.customer.metadataKeys;
  for (const order of targets) {
    const change = applyConversion(order, conversion, now, 'api');
    const owner = ownerOf('order', order.id);
    const problem = metadataProblem(metadataKeys, site, owner, Object.keys(change.cartMetadata ?? {}));
    if (problem) return { refused: `cart_data.${problem}` };
    // The open orders are the email's, so the statistics moving are this customer's.
    const before = contributionOf(input.open.includes(order) ? order : undefined);
    const after = contributionOf(change.header);
    if (customer && !sameContribution(before, after)) {
      if (before) customer = { ...customer, stats: withOrder(customer.stats, before, -1) };
      if (after) customer = { ...customer, stats: withOrder(customer.stats, after, 1) };
      writeCustomer(plan, customer);
    }
    plan.orders.set(keyOf(site, order.id), change.header);
    noteChange(plan, site, 'orders', order.id);
    if (change.lines) {
      plan.clearedItems.set(keyOf(site, order.id), { site, order: order.id });
      for (const line of change.lines) plan.items.set(keyOf(site, order.id, line.product_id), line);
    }
    upsertMetadata(plan, metadataKeys, site, owner, change.cartMetadata ?? {});
  }
  return { converted: input.open.length ? targets.length : 0 };
}

/** Applies a REST profile body to `customer`: fields merge, tags and metadata are replaced whole (seed 000). */
function applyProfilePatch(plan: WritePlan, state: CustomerState, customer: CustomerRow, patch: ProfilePatch, now: number): CustomerRow {
  const { fields, tags, metadata } = splitProfile(patch);
  const updated = writeCustomer(plan, { ...customer, profile: mergeProfileFields(customer.profile, fields), updated_at: now });
  if (tags !== undefined) planTags(plan, customer.site, customer.id, 'tag', tags ?? []);
  if (metadata !== undefined) replaceMetadata(plan, state.metadataKeys, customer.site, ownerOf('customer', customer.id), metadata ?? {});
  return updated;
}

/** `POST customers/`: creates the customer of `email`, or merges into it. */
export function planCustomerUpsert(
  plan: WritePlan,
  state: CustomerState,
  input: { site: string; email: string; patch: ProfilePatch; now: number },
): { customer: CustomerRow; created: boolean } {
  const base = state.customer ?? createCustomerRow(input.site, input.email, input.now);
  return { customer: applyProfilePatch(plan, state, base, input.patch, input.now), created: !state.customer };
}

/** `PUT customers/{id}/`: updates `found`; `email` may move it to an address no other customer has. */
export function planCustomerUpdate(
  plan: WritePlan,
  state: CustomerState,
  input: { found: CustomerRow; owner: CustomerRow | undefined; email: string; patch: ProfilePatch; now: number },
): CustomerRow | 'email_taken' {
  const { found, owner } = input;
  if (owner && owner.id != found.id) return 'email_taken';
  return applyProfilePatch(plan, state, { ...found, email: input.email }, input.patch, input.now);
}

export interface CustomerFlags {
  unsubscribe?: string;
  optIn?: { date: string; info: Record<string, string> };
  cancel?: string;
}

/** Flags on the customer of `email`, created when missing (an unsubscribe must stick). */
export function planCustomerFlags(
  plan: WritePlan,
  state: CustomerState,
  input: { site: string; email: string; flags: CustomerFlags; now: number },
): CustomerRow {
  const { flags, now } = input;
  let customer: CustomerRow = { ...(state.customer ?? createCustomerRow(input.site, input.email, now)), updated_at: now };
  // Rejoiner's unsubscribe and opt-in are the email permission every source shares.
  if (flags.unsubscribe) customer = withConsent(customer, 'email', 'refused', flags.unsubscribe, 'rejoiner');
  if (flags.optIn) {
    customer = withConsent(customer, 'email', 'granted', flags.optIn.date, 'rejoiner');
    customer.consent.opt_in_at = flags.optIn.date;
    replaceMetadata(plan, state.metadataKeys, input.site, ownerOf('opt_in', customer.id), flags.optIn.info);
  }
  if (flags.cancel) customer.journeys_cancelled_at = flags.cancel;
  return writeCustomer(plan, customer);
}
