/**
 * HubRise resources as the API answers them (seed 004), field names and order as the seed's
 * examples: times in ISO 8601 with the offset of the site's `timezone` (HubRise shows times in
 * the location's time zone), money as "28.40 GBP" in the site's `currency`, points as decimal
 * strings ("13.5", "0.0"). Pure.
 */
import type { CustomerListRow } from '../../domain/customer-lists';
import { formatPoints, type LoyaltyCardRow, type LoyaltyOperationRow } from '../../domain/loyalty';
import type { Site } from '../../sites';
import type { HubriseCustomerView } from '../../store/hubrise/hubrise-store';

const formatters = new Map<string, Intl.DateTimeFormat>();
const pad = (value: number, width = 2): string => String(Math.abs(value)).padStart(width, '0');

/** `ms` as "2020-01-18T17:12:02+02:00" in `timeZone` (whole seconds). */
export function isoInZone(ms: number, timeZone: string): string {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  const seconds = Math.floor(ms / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(seconds))) if (part.type != 'literal') parts[part.type] = Number(part.value);
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  const offset = Math.round((local - seconds) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  return `${pad(parts.year, 4)}-${pad(parts.month)}-${pad(parts.day)}T${pad(parts.hour)}:${pad(parts.minute)}:${pad(parts.second)}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** Cents as HubRise money: "28.40 GBP", "-0.05 EUR". */
export function formatMoney(cents: number, currency: string): string {
  const whole = Math.round(cents);
  const absolute = Math.abs(whole);
  return `${whole < 0 ? '-' : ''}${Math.floor(absolute / 100)}.${pad(absolute % 100)} ${currency}`;
}

const timeOrNull = (ms: number | null | undefined, site: Site): string | null => (ms === null || ms === undefined ? null : isoInZone(ms, site.timezone));

export const listJson = (site: Site, list: CustomerListRow) => ({ id: list.id, name: list.name, created_at: isoInZone(list.created_at, site.timezone) });

export const cardJson = (card: LoyaltyCardRow) => ({
  id: card.id,
  customer_id: card.customer,
  name: card.name,
  ref: card.ref,
  balance: formatPoints(card.balance),
});

export const operationJson = (site: Site, operation: LoyaltyOperationRow) => ({
  id: operation.id,
  customer_id: operation.customer,
  created_at: isoInZone(operation.created_at, site.timezone),
  order_location_id: operation.order_location_id,
  order_id: operation.order_id,
  reason: operation.reason,
  delta: formatPoints(operation.delta),
  new_balance: formatPoints(operation.new_balance),
});

const GENDERS: ReadonlyMap<string, string> = new Map([['m', 'male'], ['f', 'female']]);

export function customerJson(site: Site, { row, customFields, tracked, cards }: HubriseCustomerView) {
  const profile = row.profile;
  const field = (value: string | undefined): string | null => value ?? null;
  const consent = (channel: 'email' | 'sms'): boolean => row.consent[channel]?.state == 'granted';
  return {
    id: row.id,
    customer_list_id: row.container,
    anonymised: row.anonymised,
    private_ref: row.private_ref,
    email: row.email,
    first_name: field(profile.first_name),
    last_name: field(profile.last_name),
    gender: GENDERS.get(profile.gender ?? '') ?? null,
    birth_date: field(profile.birthdate),
    created_at: isoInZone(row.created_at, site.timezone),
    company_name: field(profile.company),
    phone: field(profile.phone),
    phone_access_code: field(profile.phone_access_code),
    address_1: field(profile.address1),
    address_2: field(profile.address2),
    postal_code: field(profile.postal_code),
    city: field(profile.city),
    state: field(profile.state),
    country: field(profile.country),
    latitude: field(profile.latitude),
    longitude: field(profile.longitude),
    delivery_notes: field(profile.delivery_notes),
    sms_marketing: consent('sms'),
    email_marketing: consent('email'),
    nb_orders: tracked?.orders ?? 0,
    order_total: formatMoney(tracked?.spend ?? 0, site.currency),
    first_order_date: timeOrNull(tracked?.first_order_at, site),
    last_order_date: timeOrNull(tracked?.last_order_at, site),
    loyalty_cards: cards.map((card) => ({ id: card.id, ref: card.ref, name: card.name, balance: formatPoints(card.balance) })),
    custom_fields: customFields,
  };
}
