/**
 * Beacon batches into the database: one transaction stores the new events of many batches
 * (group commit) and applies the domain's assembly to them. Engine-neutral: it only speaks
 * RecordTx. Steps: lock the records the events name; store the events (duplicates drop out)
 * and load what the rules need; plan; apply.
 */
import type { WireEvent } from '../../protocol/types';
import { assembleEvents, createBatchState, orderIdOf, recordsToLoad, type SiteEvent } from '../domain/assemble-events';
import { keyOf, lockKey } from '../domain/keys';
import { createWritePlan, type WritePlan } from '../domain/write-plan';
import type { Engine } from './engine';
import { transactionWithLocks } from './lock-restart';
import type { InsertResult } from './store';

export interface BatchInput {
  site: string;
  events: WireEvent[];
}

/** Locks every record an event may change; the customers of visitors' emails are locked later. */
function locksOf(events: SiteEvent[]): string[] {
  const keys = new Set<string>();
  for (const { site, event } of events) {
    keys.add(lockKey(site, 'visitor', event.visitor));
    keys.add(lockKey(site, 'session', event.session));
    const order = orderIdOf(event);
    if (order) keys.add(lockKey(site, 'order', order));
    const email = (event.data as { email?: unknown }).email;
    if ((event.type == 'customer_email' || event.type == 'list_subscription') && typeof email == 'string')
      keys.add(lockKey(site, 'customer', email));
  }
  return [...keys];
}

/** Stores and assembles `inputs` in one transaction; one result per input, and the plan written. */
export async function writeBatches(engine: Engine, inputs: BatchInput[]): Promise<{ results: InsertResult[]; plan: WritePlan }> {
  const all: SiteEvent[] = inputs.flatMap(({ site, events }) => events.map((event) => ({ site, event })));
  const wanted = recordsToLoad(all);
  return transactionWithLocks(engine, locksOf(all), async (tx, late) => {
    const now = Date.now();
    const prepared = await tx.prepareBatch({ ...wanted, events: all, receivedAt: now, locks: late.held });
    if ('conflict' in prepared) return late.restartWith(prepared.conflict);
    const { fresh } = prepared;
    const state = createBatchState();
    for (const visitor of prepared.visitors) state.visitors.set(keyOf(visitor.site, visitor.id), visitor);
    for (const order of prepared.orders) state.orders.set(keyOf(order.site, order.id), order);
    for (const item of prepared.items) state.items.set(keyOf(item.site, item.order, item.product_id), item);
    // Found by email: they have one.
    for (const customer of prepared.customers) state.customers.set(keyOf(customer.site, customer.email!), customer);
    for (const list of prepared.lists) state.lists.set(keyOf(list.site, list.id), list);
    for (const [site, count] of prepared.listCounts) state.listCounts.set(site, count);
    for (const [site, owner, key] of prepared.metadataKeys) {
      const ownerKey = keyOf(site, owner);
      const set = state.metadataKeys.get(ownerKey) ?? new Set<string>();
      state.metadataKeys.set(ownerKey, set.add(key));
    }

    const plan = createWritePlan();
    assembleEvents(fresh, state, plan, { now });
    await tx.apply(plan, now);

    // An event stored now counts as accepted once: a retry of it in the same group is a duplicate.
    const stored = new Set(fresh.map(({ site, event }) => keyOf(site, event.id)));
    const refused = new Map(plan.refused.map(({ site, id, reason }) => [keyOf(site, id), reason]));
    const results = inputs.map(({ site, events }): InsertResult => {
      const rejected: InsertResult['rejected'] = [];
      let accepted = 0;
      let duplicates = 0;
      for (const { id } of events) {
        const reason = refused.get(keyOf(site, id));
        if (reason !== undefined) rejected.push({ id, reason });
        else if (stored.delete(keyOf(site, id))) accepted++;
        else duplicates++;
      }
      return { accepted, duplicates, rejected };
    });
    return { results, plan };
  });
}
