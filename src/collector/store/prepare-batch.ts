/**
 * RecordTx.prepareBatch from an engine's single-record calls, for engines where a call costs no
 * round trip (SQLite). PostgreSQL does the same in one server-side function.
 */
import { keyOf, lockKey, ownerOf } from '../domain/keys';
import { CONVERTED_ORDERS_LINKED } from '../domain/assemble-events';
import type { BatchPreparation, BatchRequest, RecordTx } from './engine';

export async function prepareBatchStepByStep(tx: RecordTx, request: BatchRequest): Promise<BatchPreparation> {
  const fresh = await tx.insertEvents(request.events, request.receivedAt);
  const visitors = await tx.visitors(request.visitors);
  const orders = await tx.orders(request.orders);
  const named = new Set(orders.map((order) => keyOf(order.site, order.id)));
  const unlinked = (await tx.convertedUnlinkedOrders(request.linkingVisitors, CONVERTED_ORDERS_LINKED)).filter((order) => !named.has(keyOf(order.site, order.id)));
  const orderLocks = unlinked.map((order) => lockKey(order.site, 'order', order.id)).filter((key) => !request.locks.has(key));
  if (!(await tx.tryLock(orderLocks))) return { conflict: orderLocks };
  orders.push(...unlinked);
  const items = await tx.items(request.items);
  // The customers of the visitors' emails and of the orders' (whose statistics a conversion moves).
  const emails = new Map(request.emails.map((entry) => [keyOf(entry[0], entry[1]), entry]));
  for (const { site, email } of [...visitors, ...orders]) if (email) emails.set(keyOf(site, email), [site, email]);
  const late = [...emails.values()].map(([site, email]) => lockKey(site, 'customer', email)).filter((key) => !request.locks.has(key));
  if (!(await tx.tryLock(late))) return { conflict: late };
  const customers = await tx.customersByEmail([...emails.values()]);
  // Writers that found a customer another way hold its id lock: take it too.
  const byId = customers.map((customer) => lockKey(customer.site, 'customer-id', customer.id)).filter((key) => !request.locks.has(key));
  if (!(await tx.tryLock(byId))) return { conflict: byId };
  const owners = [...request.owners, ...customers.map((customer): [string, string] => [customer.site, ownerOf('customer', customer.id)])];
  const lists = await tx.lists(request.lists);
  const found = new Set(lists.map((list) => keyOf(list.site, list.id)));
  const sitesWithNewLists = new Set(request.lists.filter(([site, id]) => !found.has(keyOf(site, id))).map(([site]) => site));
  const listCounts: [string, number][] = [];
  for (const site of sitesWithNewLists) listCounts.push([site, await tx.listCount(site)]);
  return { fresh, visitors, orders, items, customers, metadataKeys: await tx.metadataKeys(owners), lists, listCounts };
}
