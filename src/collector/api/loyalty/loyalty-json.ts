/**
 * Customers as the loyalty platform's API (seed 002) shows them: its JSON names (`firstName`,
 * `dob`, `hasAgreedToMarketing`, `statistics`), from the one customer model. Statistics come
 * from what was tracked: `totalSpend` and `lastSpentAt` from the conversions, the points from
 * the loyalty ledger (whole points: the ledger keeps millionths, rounded here). Pure.
 */
import type { CustomerRow } from '../../domain/records';

/** "2021-10-20T14:51:16Z": the seed's form of createdAt and updatedAt (no milliseconds). */
const toSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** "2021-08-23T02:06:24.000Z": the seed's form of the statistics' dates. */
const toInstant = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const points = (millionths: number): number => Math.round(millionths / 1e6);

/** "m" and "f" are the seed's "MALE" and "FEMALE"; any other text is shown upper-cased. */
const genderOf = (gender: string | undefined): string | undefined =>
  gender === undefined ? undefined : gender == 'm' ? 'MALE' : gender == 'f' ? 'FEMALE' : gender.toUpperCase();

export function loyaltyCustomerJson(customer: CustomerRow) {
  const { profile, stats } = customer;
  const email = customer.consent.email?.state;
  return {
    createdAt: toSeconds(customer.created_at),
    dob: profile.birthdate,
    email: customer.email ?? undefined,
    // Required strings in the seed's model: empty when the customer never gave one.
    firstName: profile.first_name ?? '',
    gender: genderOf(profile.gender),
    // Unknown consent is left out (the field is optional), never shown as a refusal.
    hasAgreedToMarketing: email === undefined ? undefined : email == 'granted',
    id: customer.id,
    lastName: profile.last_name ?? '',
    phoneNumber: profile.phone,
    statistics: {
      lastPointsEarnedAt: toInstant(stats.last_points_earned_at),
      lastPointsRedeemedAt: toInstant(stats.last_points_redeemed_at),
      lastSpentAt: toInstant(stats.last_order_at),
      pointsBalance: points(stats.points_balance),
      totalPointsEarned: points(stats.points_earned),
      totalPointsRedeemed: points(stats.points_redeemed),
      totalSpend: stats.spend,
    },
    updatedAt: toSeconds(customer.updated_at),
  };
}
