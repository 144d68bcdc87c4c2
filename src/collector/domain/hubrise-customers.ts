/**
 * HubRise customers (seed 004) over the one customer model: a customer of a customer list is a
 * CustomerRow whose container is the list. A write changes the fields it names only; `null`
 * clears one. `email_marketing` and `sms_marketing` are the email and SMS permissions every
 * source shares (set by HubRise: granted or refused; null makes them unknown again). Once
 * anonymised, the fields of HubRise's anonymise list are never written again (later updates of
 * them are ignored, as the seed says); the other fields still change. Pure.
 */
import { mergeProfileFields, withConsent } from './customer-rules';
import { ANONYMISED_FIELDS } from './erasure';
import type { ConsentChannel, CustomerRow, ProfileFields } from './records';

/** A validated create or update, in the model's field names (`birthdate`, `company`, `address1`...). */
export interface HubriseCustomerPatch {
  private_ref?: string | null;
  email?: string | null;
  profile: { [K in keyof ProfileFields]?: ProfileFields[K] | null };
  consent: Partial<Record<Extract<ConsentChannel, 'email' | 'sms'>, boolean | null>>;
  /** Replaces the customer's custom fields (its metadata) whole; null removes them all. */
  customFields?: Record<string, unknown> | null;
}

const anonymised: ReadonlySet<string> = new Set(ANONYMISED_FIELDS);

/** The patch without what an anonymised customer no longer takes. */
export function effectivePatch(customer: CustomerRow, patch: HubriseCustomerPatch): HubriseCustomerPatch {
  if (!customer.anonymised) return patch;
  const { email: _email, ...rest } = patch;
  const profile: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch.profile))
    if (!anonymised.has(field)) Object.defineProperty(profile, field, { value, enumerable: true, writable: true, configurable: true });
  return { ...rest, profile };
}

/** The customer after `patch` (see effectivePatch) at `now`. */
export function applyHubrisePatch(customer: CustomerRow, patch: HubriseCustomerPatch, now: number): CustomerRow {
  const effective = effectivePatch(customer, patch);
  let next: CustomerRow = { ...customer, profile: mergeProfileFields(customer.profile, effective.profile), updated_at: now };
  if (effective.private_ref !== undefined) next.private_ref = effective.private_ref;
  if (effective.email !== undefined) next.email = effective.email;
  const at = new Date(now).toISOString();
  for (const channel of ['email', 'sms'] as const) {
    const value = effective.consent[channel];
    if (value === undefined) continue;
    if (value === null) {
      const { [channel]: _gone, ...consent } = next.consent;
      next = { ...next, consent };
    } else next = withConsent(next, channel, value ? 'granted' : 'refused', at, 'hubrise');
  }
  return next;
}
