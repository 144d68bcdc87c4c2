/**
 * Customer records: creation and profile merges, shared by beacons (`customer_data`, the
 * profile a visitor sent before its email) and the REST customer endpoints. Pure apart from
 * the random id of a new customer.
 */
import { randomBytes } from 'node:crypto';
import type { Customer } from '../../protocol/types';
import { DEFAULT_CONTAINER, type ConsentChannel, type ConsentRecord, type ConsentSource, type CustomerRow, type CustomerStats, type ProfileFields } from './records';

/** A new customer id: 24 hex digits, the form of Rejoiner's own ids in the seeds. */
export const createCustomerId = (): string => randomBytes(12).toString('hex');

/** Statistics of a customer with nothing tracked yet. */
export const emptyStats = (): CustomerStats => ({
  orders: 0,
  spend: 0,
  first_order_at: null,
  last_order_at: null,
  points_balance: 0,
  points_earned: 0,
  points_redeemed: 0,
  last_points_earned_at: null,
  last_points_redeemed_at: null,
});

/** A new customer with an empty profile, in the default container unless another is given. */
export const createCustomerRow = (
  site: string,
  email: string | null,
  at: number,
  id = createCustomerId(),
  container = DEFAULT_CONTAINER,
): CustomerRow => ({
  site,
  id,
  container,
  email,
  external_id: null,
  private_ref: null,
  profile: {},
  consent: {},
  stats: emptyStats(),
  status: 'active',
  anonymised: false,
  journeys_cancelled_at: null,
  created_at: at,
  updated_at: at,
});

/** The customer with one permission set. */
export const withConsent = (customer: CustomerRow, channel: ConsentChannel, state: ConsentRecord['state'], at: string, source: ConsentSource): CustomerRow => ({
  ...customer,
  consent: { ...customer.consent, [channel]: { state, at, source } },
});

/** A profile change as the REST API gives it: null removes a field; metadata may hold any JSON. */
export type ProfilePatch = { [K in keyof ProfileFields]?: ProfileFields[K] | null } & {
  tags?: string[] | null;
  metadata?: Record<string, unknown> | null;
};

/** A profile (from a beacon or the API) split into the record's fields, its tags and its metadata. */
export function splitProfile(profile: Customer | ProfilePatch): {
  fields: { [key: string]: unknown };
  tags: string[] | null | undefined;
  metadata: Record<string, unknown> | null | undefined;
} {
  const { tags, metadata, ...fields } = profile;
  return { fields, tags, metadata };
}

/** The profile fields after `patch`: given fields replace stored ones, null removes one, absent ones stay. */
export function mergeProfileFields<T extends ProfileFields>(profile: T, patch: { [key: string]: unknown }): T {
  const out: Record<string, unknown> = { ...profile };
  for (const key of Object.keys(patch)) {
    if (patch[key] === undefined) continue;
    if (patch[key] === null) delete out[key];
    // defineProperty: a key such as "__proto__" stays a plain key.
    else Object.defineProperty(out, key, { value: patch[key], enumerable: true, writable: true, configurable: true });
  }
  return out as T;
}
