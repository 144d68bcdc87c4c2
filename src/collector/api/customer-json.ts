/**
 * The customer as the REST API returns it: the fields of seed 000's example response, with ""
 * for unknown text fields and null for unknown dates and age, like the example, plus whether
 * its journeys were cancelled.
 */
import type { CustomerJson } from '../../node/types';
import type { CustomerRecord } from '../store/store';

export function toCustomerJson(record: CustomerRecord): CustomerJson {
  const profile = record.profile;
  const email = record.consent.email;
  const text = (value: string | undefined): string => value ?? '';
  return {
    id: record.id,
    email: record.email ?? '',
    first_name: text(profile.first_name),
    last_name: text(profile.last_name),
    phone: text(profile.phone),
    timezone: text(profile.timezone),
    age: profile.age ?? null,
    gender: text(profile.gender),
    language: text(profile.language),
    address1: text(profile.address1),
    address2: text(profile.address2),
    address3: text(profile.address3),
    city: text(profile.city),
    state: text(profile.state),
    postal_code: text(profile.postal_code),
    country: text(profile.country),
    birthdate: profile.birthdate || null,
    tags: profile.tags ?? [],
    // Rejoiner's two flags are the email permission every source shares.
    is_unsubscribed: email?.state == 'refused',
    unsubscribe_date: email?.state == 'refused' ? email.at : null,
    is_opted_in: record.consent.opt_in_at !== undefined,
    opt_in_date: record.consent.opt_in_at ?? null,
    opt_in_info: record.opt_in_info,
    metadata: profile.metadata ?? {},
    // Not in seed 000's example: whether customer/cancel/ stopped the customer's journeys, and when.
    journeys_cancelled: record.journeys_cancelled_at !== null,
    journeys_cancelled_at: record.journeys_cancelled_at,
  };
}
