/**
 * Customer statistics from what was tracked (CONTRACTS.md, issue "One customer store"): orders
 * converted, their value, first and last order dates, and loyalty points. They are kept up to
 * date on write: every change of an order's conversion, value or email moves its contribution
 * between customers in the same transaction, on both engines, so reading a customer never sums
 * a history (no read costs more because a customer has many orders). Pure.
 */
import type { CustomerStats, OrderHeader } from './records';

/** What a converted order adds to its customer: the customer of its email, its value and date. */
export interface OrderContribution {
  email: string;
  value: number;
  at: number;
}

/** The order's contribution: converted orders with an email count, at their cart_value in cents. */
export const contributionOf = (order: OrderHeader | undefined): OrderContribution | null =>
  order && order.status == 'converted' && order.email
    ? { email: order.email, value: order.cart_data.cart_value ?? 0, at: order.converted_at ?? order.updated_at }
    : null;

/** Whether two contributions are the same (nothing to move). */
export const sameContribution = (a: OrderContribution | null, b: OrderContribution | null): boolean =>
  a === b || (!!a && !!b && a.email == b.email && a.value == b.value && a.at == b.at);

/**
 * Statistics with a contribution added (`sign` 1) or taken back (-1). First and last order
 * dates only widen: taking an order back does not find the one before it (that would read the
 * customer's history).
 */
export function withOrder(stats: CustomerStats, contribution: OrderContribution, sign: 1 | -1): CustomerStats {
  const next = { ...stats, orders: Math.max(0, stats.orders + sign), spend: stats.spend + sign * contribution.value };
  if (sign > 0) {
    next.first_order_at = stats.first_order_at === null ? contribution.at : Math.min(stats.first_order_at, contribution.at);
    next.last_order_at = stats.last_order_at === null ? contribution.at : Math.max(stats.last_order_at, contribution.at);
  }
  return next;
}
