/**
 * Customer records: creation and profile merges, shared by beacon assembly (`customer_data`)
 * and the REST customer endpoints. Pure.
 */
import { randomBytes } from 'node:crypto';
import type { CustomerProfile, CustomerRecord, ProfileChange } from '../store/store';

/** A new customer id: 24 hex digits, the form of Rejoiner's own ids in the seeds. */
export const createCustomerId = (): string => randomBytes(12).toString('hex');

/** A new customer with an empty profile. */
export const createCustomer = (site: string, email: string, at: number): CustomerRecord => ({
  site,
  id: createCustomerId(),
  email,
  profile: {},
  is_unsubscribed: false,
  unsubscribe_date: null,
  is_opted_in: false,
  opt_in_date: null,
  opt_in_info: {},
  journeys_cancelled_at: null,
  lists: [],
  created_at: at,
  updated_at: at,
});

/**
 * The profile after `change`: given fields replace stored ones, null removes one, absent ones
 * stay. Metadata
 * merges key by key for beacons and is replaced whole for the REST API (seed 000: "any
 * previously existing metadata will be replaced").
 */
export function mergeProfile(profile: CustomerProfile, change: ProfileChange): CustomerProfile {
  const out: CustomerProfile = { ...profile };
  const patch = change.profile;
  for (const key of Object.keys(patch) as (keyof CustomerProfile)[]) {
    if (key == 'metadata' || patch[key] === undefined) continue;
    if (patch[key] === null) delete out[key]; // the REST API clears a field with null
    else (out as Record<string, unknown>)[key] = patch[key];
  }
  if (patch.metadata === null) delete out.metadata;
  else if (patch.metadata)
    out.metadata = change.replaceMetadata ? { ...patch.metadata } : { ...profile.metadata, ...patch.metadata };
  return out;
}
