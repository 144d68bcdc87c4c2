/**
 * Erasure that erases (issue "One customer store", CONTRACTS.md): what of a customer's personal
 * data leaves which record, as pure functions over one event or record at a time. The engine
 * applies them to everything that names the customer: the record itself, its lists, tags and
 * metadata, the visitors, sessions and orders linked to its email, and every stored event of
 * those visitors or naming that email (so exports lose it too).
 *
 * What stays: facts that are no one's personal data (an order's value stays in the statistics, a
 * page view stays a page view), the record's id, and identifiers that are pseudonyms of the
 * shop's own systems (Custobar's external_id, HubRise's private_ref), so a later import for the
 * same id finds the erased record instead of bringing the person back.
 */
import type { WireEvent } from '../../protocol/types';
import type { CustomerRow, ItemRow, Membership, OrderHeader, ProfileFields, VisitorRecord } from './records';
import type { WritePlan } from './write-plan';

/** What identifies the person in free text: the email, and the exact values of names and phone. */
export interface PersonalIdentity {
  email: string | null;
  /** Values that are replaced where a field holds exactly one of them (lower case). */
  exactValues: string[];
}

export const ERASED = '[erased]';

/** HubRise's anonymise list (seed 004), in this model's field names. */
export const ANONYMISED_FIELDS: readonly (keyof ProfileFields | 'email')[] = [
  'email', 'first_name', 'last_name', 'gender', 'birthdate', 'company', 'phone', 'phone_access_code', 'address1',
  'address2', 'postal_code', 'latitude', 'longitude', 'delivery_notes',
];

export function identityOf(customer: CustomerRow): PersonalIdentity {
  const { first_name, last_name, phone } = customer.profile;
  const exactValues = [first_name, last_name, phone, customer.email]
    .filter((value): value is string => typeof value == 'string' && value.trim().length > 1)
    .map((value) => value.trim().toLowerCase());
  return { email: customer.email, exactValues };
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` without the email (as written, or percent-encoded as in URLs), case-insensitively. */
export function scrubText(text: string, identity: PersonalIdentity): string {
  if (!identity.email) return text;
  const forms = new Set([identity.email, encodeURIComponent(identity.email)]);
  let out = text;
  for (const form of forms) out = out.replace(new RegExp(escapeRegExp(form), 'gi'), ERASED);
  return out;
}

/** Any JSON value with the email scrubbed from its strings and exact personal values replaced. */
export function scrubValue(value: unknown, identity: PersonalIdentity): unknown {
  if (typeof value == 'string')
    return identity.exactValues.includes(value.trim().toLowerCase()) ? ERASED : scrubText(value, identity);
  if (Array.isArray(value)) return value.map((entry) => scrubValue(entry, identity));
  if (typeof value == 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value))
      Object.defineProperty(out, key, { value: scrubValue(inner, identity), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

/**
 * An event without the person's data: events that are only about the person lose their
 * payload's personal fields (an email told, a profile, a list subscription's email and name);
 * every other event keeps its facts, with the email and exact personal values scrubbed from
 * its URL and data. Resolves the event unchanged when nothing was personal.
 */
export function scrubEvent(event: Pick<WireEvent, 'type' | 'url' | 'data'>, identity: PersonalIdentity): { url: string; data: unknown } {
  const data = event.data as Record<string, unknown>;
  const url = scrubText(event.url, identity);
  switch (event.type) {
    case 'customer_email':
      return { url, data: { source: data.source } };
    case 'customer_data':
      return { url, data: {} };
    case 'list_subscription':
      return { url, data: { list_id: data.list_id, ...(data.source === undefined ? {} : { source: data.source }) } };
    default:
      return { url, data: scrubValue(data, identity) };
  }
}

/** What the engine read of a person before erasing (under the customer's locks). */
export interface PersonRecords {
  visitors: VisitorRecord[];
  /** Ids of sessions that carry the email. */
  sessions: string[];
  orders: OrderHeader[];
  memberships: Membership[];
  /** Metadata entries of those sessions and orders: [owner, key, JSON]. */
  metadata: [owner: string, key: string, json: string][];
  /** Lines of those orders. */
  items: ItemRow[];
}

export type ErasureKind = 'forget' | 'anonymise';

/**
 * Plans erasing a customer: `forget` (Rejoiner's DELETE, Custobar's is_forgotten) leaves an
 * empty record marked forgotten; `anonymise` (HubRise) nulls HubRise's field list, marks the
 * record anonymised and keeps its other fields. Both take the person out of everything linked:
 * memberships, tags, the visitors' emails and pending profiles, the sessions' and orders' emails
 * (orders also leave their visitor, so that a later email on the same browser does not bring
 * the person's history back), and personal values in their metadata and lines.
 */
export function planErasure(
  plan: WritePlan,
  input: { customer: CustomerRow; kind: ErasureKind; source: string; records: PersonRecords; eventsScrubbed: number; now: number },
): CustomerRow {
  const { customer, kind, records, now } = input;
  const identity = identityOf(customer);
  const site = customer.site;
  const key = (...parts: string[]) => parts.join('\u0000');
  let erased: CustomerRow;
  if (kind == 'forget') {
    erased = { ...customer, email: null, profile: {}, consent: {}, status: 'forgotten', updated_at: now };
    plan.metadata.cleared.set(key(site, `customer:${customer.id}`), { site, owner: `customer:${customer.id}` });
  } else {
    const profile: Record<string, unknown> = { ...customer.profile };
    for (const field of ANONYMISED_FIELDS) delete profile[field];
    erased = { ...customer, email: null, profile: profile as ProfileFields, anonymised: true, updated_at: now };
  }
  plan.metadata.cleared.set(key(site, `opt_in:${customer.id}`), { site, owner: `opt_in:${customer.id}` });
  plan.customers.set(key(site, customer.id), erased);
  for (const kindOfTag of ['tag', 'preference'] as const) plan.tags.set(key(site, customer.id, kindOfTag), { site, customer: customer.id, kind: kindOfTag, tags: [] });
  for (const m of records.memberships) plan.removedMemberships.set(key(site, m.customer, m.list_id), { site, customer: m.customer, list_id: m.list_id });
  for (const visitor of records.visitors) {
    plan.visitors.set(key(site, visitor.id), { ...visitor, email: null, pending: null });
    plan.metadata.cleared.set(key(site, `visitor:${visitor.id}`), { site, owner: `visitor:${visitor.id}` });
  }
  for (const [owner, name, json] of records.metadata) {
    const scrubbed = JSON.stringify(scrubValue(JSON.parse(json), identity));
    if (scrubbed == json) continue;
    const upsert = plan.metadata.upserts.get(key(site, owner)) ?? { site, owner, entries: new Map<string, string>() };
    upsert.entries.set(name, scrubbed);
    plan.metadata.upserts.set(key(site, owner), upsert);
  }
  for (const line of records.items)
    if (line.item) {
      const item = scrubValue(line.item, identity) as typeof line.item;
      if (JSON.stringify(item) != JSON.stringify(line.item)) plan.items.set(key(site, line.order, line.product_id), { ...line, item });
    }
  plan.erasure = {
    site,
    customer: customer.id,
    kind,
    source: input.source,
    at: now,
    sessions: records.sessions,
    orders: records.orders.map((order) => order.id),
    events: input.eventsScrubbed,
  };
  return erased;
}
