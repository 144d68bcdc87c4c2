/**
 * The collector's Store, written once over any Engine: beacon batches through group commit and
 * the batch writer, REST writes as transactions of their own over the same domain rules (one
 * writer per order and per customer, whatever the source), reads through the read models, and
 * change notifications for the dashboard after each commit.
 */
import { planApiConversion, planCustomerFlags, planCustomerUpdate, planCustomerUpsert, type CustomerState } from '../domain/api-commands';
import { planCustomerImport, resolveImportTarget, type CustomerImport, type ImportMatches, type ImportState } from '../domain/customer-import';
import { createCustomerRow } from '../domain/customer-rules';
import { keyOf, lockKey, ownerOf } from '../domain/keys';
import { planContactAdd, planContactRemove, planListCreate } from '../domain/list-rules';
import { metadataProblem, upsertMetadata, type MetadataKeys } from '../domain/metadata-rules';
import { phoneKey } from '../domain/phone';
import { DEFAULT_CONTAINER, type CustomerRow } from '../domain/records';
import { identityOf, planErasure, scrubEvent } from '../domain/erasure';
import { changeTags } from '../domain/tag-rules';
import { MAX_LISTS_PER_SITE } from '../ingest/event-limits';
import { createWritePlan, noteChange, planTags, type WritePlan } from '../domain/write-plan';
import { writeBatches, type BatchInput } from './batch-writer';
import { StoreUnavailableError, type Engine, type RecordTx } from './engine';
import { createGroupCommit } from './group-commit';
import { createHubriseStore } from './hubrise/hubrise-store';
import { transactionWithLocks, type LateLocks } from './lock-restart';
import { createReadModels } from './read-models';
import { createLifecycleStore } from './lifecycle-store';
import type { WebhookEndpoint } from '../domain/webhook-events';
import type { ChangeSet, ImportResult, InsertResult, Store } from './store';

/** Stored events rewritten per round trip while erasing. */
const ERASURE_PAGE = 500;

export interface StoreOptions {
  /** Beacon transactions running at once. @default 1 */
  concurrency?: number;
  /** The webhook receivers of a site (sites file `webhooks`), read at each write that makes a webhook. @default none */
  webhookEndpoints?: (site: string) => readonly WebhookEndpoint[];
}

/** The change sets of a plan, for the dashboard. */
const changesOf = (plan: WritePlan): ChangeSet[] =>
  [...plan.changed].map(([site, keys]) => ({ site, sessions: [...keys.sessions], orders: [...keys.orders], customers: [...keys.customers] }));

/** A customer and its metadata keys of `owners`, read inside a transaction. */
async function customerState(tx: RecordTx, customer: CustomerRow | undefined, owners: string[]): Promise<CustomerState> {
  const metadataKeys: MetadataKeys = new Map();
  if (customer)
    for (const [site, owner, key] of await tx.metadataKeys(owners.map((owner) => [customer.site, owner]))) {
      const set = metadataKeys.get(keyOf(site, owner)) ?? new Set<string>();
      metadataKeys.set(keyOf(site, owner), set.add(key));
    }
  return { customer, metadataKeys };
}

export function createStore(engine: Engine, { concurrency = 1, webhookEndpoints = () => [] }: StoreOptions = {}): Store {
  const lifecycle = createLifecycleStore(engine);
  const listeners = new Set<(changes: ChangeSet[]) => void>();
  const models = createReadModels(engine.reads);

  const publish = (plan: WritePlan): void => {
    const changes = changesOf(plan);
    if (!changes.length) return;
    for (const listener of listeners)
      try {
        listener(changes);
      } catch {
        // the dashboard must never break a write
      }
  };

  const batches = createGroupCommit<BatchInput, InsertResult>(
    async (inputs) => {
      const { results, plan } = await writeBatches(engine, inputs);
      publish(plan);
      return results;
    },
    { concurrency, isUnavailable: (error) => error instanceof StoreUnavailableError },
  );

  /**
   * One REST write to a customer: take `locks` (customer lock names, see keys.ts), plan over
   * what is read under them, apply, publish. `work` takes the id lock of a customer it finds.
   */
  const customerWrite = async <T>(
    locks: string[],
    work: (tx: RecordTx, plan: WritePlan, late: LateLocks) => Promise<T>,
  ): Promise<T> => {
    const { result, plan } = await transactionWithLocks(engine, locks, async (tx, late) => {
      const plan = createWritePlan();
      const result = await work(tx, plan, late);
      await tx.apply(plan, Date.now());
      return { result, plan };
    });
    publish(plan);
    return result;
  };

  const emailLock = (site: string, email: string): string => lockKey(site, 'customer', email);
  const idLock = (site: string, id: string): string => lockKey(site, 'customer-id', id);

  /** The customer of `email` in the default container, with its id lock taken. */
  const lockedByEmail = async (tx: RecordTx, late: LateLocks, site: string, email: string): Promise<CustomerRow | undefined> => {
    const [customer] = await tx.customersByEmail([[site, email]]);
    if (customer) await late.more([idLock(site, customer.id)]);
    return customer;
  };

  const readCustomer = async (site: string, email: string) => (await models.customer(site, email))!;

  /** A customer of the default container (Rejoiner's API never reaches HubRise's other lists), by id or email. */
  const findCustomerRow = async (site: string, idOrEmail: string) => {
    const row = idOrEmail.includes('@') ? await engine.reads.customerByEmail(site, idOrEmail.trim().toLowerCase()) : await engine.reads.customerById(site, idOrEmail);
    return row?.container == DEFAULT_CONTAINER ? row : undefined;
  };

  const store: Store = {
    insertBatch: (site, events) => batches.add({ site, events }),

    async convertOrders(site, email, { scope, ...conversion }) {
      return customerWrite([emailLock(site, email)], async (tx, plan, late) => {
        const listed = await tx.openOrders(site, email);
        // The orders were found without their locks: lock them, then read them again under the locks.
        await late.more(listed.map((order) => lockKey(site, 'order', order.id)));
        const open = (await tx.orders(listed.map((order) => [site, order.id]))).filter((order) => order.status == 'open' && order.email == email);
        open.sort((a, b) => b.updated_at - a.updated_at || (a.id < b.id ? 1 : -1));
        const customer = await lockedByEmail(tx, late, site, email);
        const state = await customerState(tx, customer, []);
        for (const [s, owner, key] of await tx.metadataKeys(open.map((order) => [site, ownerOf('order', order.id)]))) {
          const set = state.metadataKeys.get(keyOf(s, owner)) ?? new Set<string>();
          state.metadataKeys.set(keyOf(s, owner), set.add(key));
        }
        const outcome = planApiConversion(plan, { site, email, conversion, scope, open, customer: state, now: Date.now() });
        if ('refused' in outcome) return outcome;
        return outcome.converted;
      });
    },

    getCustomer: (site, idOrEmail) => models.customer(site, idOrEmail),

    async upsertCustomer(site, email, patch) {
      const outcome = await customerWrite([emailLock(site, email)], async (tx, plan, late) => {
        const found = await lockedByEmail(tx, late, site, email);
        if (found && found.status == 'deleted') return 'deleted' as const;
        const state = await customerState(tx, found, found ? [ownerOf('customer', found.id)] : []);
        return planCustomerUpsert(plan, state, { site, email, patch, now: Date.now() });
      });
      if (outcome == 'deleted') return outcome;
      return { customer: await readCustomer(site, email), created: outcome.created };
    },

    async updateCustomer(site, idOrEmail, email, patch) {
      const seen = await findCustomerRow(site, idOrEmail);
      if (!seen) return 'not_found';
      // The id lock, and the email lock of the address it may move to.
      const result = await customerWrite([idLock(site, seen.id), emailLock(site, email)], async (tx, plan) => {
        const found = await tx.customerById(site, seen.id);
        if (!found || found.status != 'active') return 'not_found' as const;
        const [owner] = email == found.email ? [found] : await tx.customersByEmail([[site, email]]);
        const state = await customerState(tx, found, [ownerOf('customer', found.id)]);
        const outcome = planCustomerUpdate(plan, state, { found, owner, email, patch, now: Date.now() });
        return outcome == 'email_taken' ? outcome : 'updated';
      });
      if (result != 'updated') return result;
      return readCustomer(site, email);
    },

    async setCustomerFlags(site, email, flags) {
      await customerWrite([emailLock(site, email)], async (tx, plan, late) => {
        const found = await lockedByEmail(tx, late, site, email);
        const state = await customerState(tx, found, found ? [ownerOf('opt_in', found.id)] : []);
        const now = Date.now();
        const customer = planCustomerFlags(plan, state, { site, email, flags, now });
        // In the same transaction as the change: the webhook is in the outbox exactly when the flag is stored.
        if (flags.unsubscribe) await lifecycle.enqueueCustomerEvent(tx, webhookEndpoints(site), 'customer_unsubscribed', customer, now);
        if (flags.optIn) await lifecycle.enqueueCustomerEvent(tx, webhookEndpoints(site), 'customer_opted_in', customer, now);
      });
      return readCustomer(site, email);
    },

    async eraseCustomer(site, id, kind, source) {
      const seen = await engine.reads.customerById(site, id);
      if (!seen) return 'not_found';
      const locks = [idLock(site, seen.id), ...(seen.email ? [emailLock(site, seen.email)] : [])];
      const outcome = await customerWrite(locks, async (tx, plan, late) => {
        const customer = await tx.customerById(site, seen.id);
        if (!customer || customer.email != seen.email) return 'moved' as const;
        const records = await tx.personRecords(site, customer.email, customer.id);
        // Everything written is locked first: no beacon of these visitors may slip in meanwhile.
        await late.more([
          ...records.visitors.map((visitor) => lockKey(site, 'visitor', visitor.id)),
          ...records.sessions.map((session) => lockKey(site, 'session', session)),
          ...records.orders.map((order) => lockKey(site, 'order', order.id)),
        ]);
        const identity = identityOf(customer);
        let scrubbed = 0;
        const sources = [...records.visitors.map((visitor) => ({ visitor: visitor.id })), ...(customer.email ? [{ email: customer.email }] : [])];
        for (const by of sources)
          for (let after: string | null = null; ; ) {
            const page = await tx.eventsOfPerson(site, by, after, ERASURE_PAGE);
            if (!page.length) break;
            const changed = page
              .map((row) => ({ row, next: scrubEvent(row as Parameters<typeof scrubEvent>[0], identity) }))
              .filter(({ row, next }) => next.url != row.url || JSON.stringify(next.data) != JSON.stringify(row.data))
              .map(({ row, next }) => ({ ref: row.ref, ...next }));
            await tx.rewriteEvents(site, changed);
            scrubbed += changed.length;
            after = page[page.length - 1].ref;
          }
        // The outbox holds the email and payloads about the person: every delivery of it goes, in this same transaction (never sent after).
        await tx.automation.eraseDeliveries(site, { email: customer.email, sessions: records.sessions, orders: records.orders.map((order) => order.id) });
        planErasure(plan, { customer, kind, source, records, eventsScrubbed: scrubbed, now: Date.now() });
        return 'erased' as const;
      });
      if (outcome == 'moved') return store.eraseCustomer(site, id, kind, source);
      await engine.afterErasure();
      return (await models.customer(site, seen.id))!;
    },

    async importCustomer(site, input, source) {
      // A forgotten record keeps nothing but what finds it: the erasure follows the import.
      const record: CustomerImport = input.forgotten
        ? { external_id: input.external_id || undefined, email: input.email || undefined, phone: input.phone || undefined, phoneKey: input.phoneKey, fields: {}, consent: {}, metadata: {}, deleted: false, forgotten: true }
        : input;
      const locks = [
        ...(record.email ? [emailLock(site, record.email)] : []),
        ...(record.external_id ? [lockKey(site, 'customer-external', record.external_id)] : []),
        // The phone finds the customer only when nothing else does (resolveImportTarget).
        ...(!record.email && !record.external_id && record.phoneKey ? [lockKey(site, 'customer-phone', record.phoneKey)] : []),
      ];
      const outcome = await customerWrite(locks, async (tx, plan, late): Promise<ImportResult> => {
        const read = async (): Promise<ImportMatches> => ({
          byExternalId: record.external_id ? await tx.customerByExternalId(site, record.external_id) : undefined,
          byEmail: record.email ? (await tx.customersByEmail([[site, record.email]]))[0] : undefined,
          byPhone: !record.external_id && !record.email && record.phoneKey ? await tx.customersByPhone(site, record.phoneKey, 2) : [],
        });
        let matches = await read();
        const ids = [matches.byExternalId, matches.byEmail, ...matches.byPhone].flatMap((customer) => (customer ? [customer.id] : []));
        if (ids.length) {
          // Found without their id locks: lock them, then read them again under the locks.
          await late.more(ids.map((id) => idLock(site, id)));
          matches = await read();
        }
        const target = resolveImportTarget(record, matches);
        if ('refused' in target) return target;
        const found = target.customer;
        // Deletion and forgetting are for good: later imports change nothing, except a forget of a deleted customer.
        if (found && found.status != 'active' && !(record.forgotten && found.status == 'deleted')) return { id: found.id, status: found.status };
        if (!found && record.forgotten && !record.external_id) return { id: null, status: 'forgotten' };
        const lists = record.mailingLists ? [...new Set(Object.values(record.mailingLists).flat() as string[])] : [];
        const state: ImportState = {
          metadataKeys: (await customerState(tx, found, found ? [ownerOf('customer', found.id)] : [])).metadataKeys,
          tags: found && record.tags ? await tx.tags(site, found.id, 'tag') : [],
          lists: await tx.lists(lists.map((id) => [site, id])),
          listCount: lists.length ? await tx.listCount(site) : 0,
          memberships: !found || !(record.mailingLists || record.deleted)
            ? []
            : record.deleted || record.mailingLists?.set
              ? await tx.customerMemberships(site, found.id, MAX_LISTS_PER_SITE)
              : await tx.memberships(lists.map((id) => [site, found.id, id])),
        };
        const now = Date.now();
        const planned = planCustomerImport(plan, state, { site, record, target: found, source, now });
        if ('refused' in planned) return planned;
        // An imported email permission tells the merchant's receivers as Rejoiner's unsubscribe and opt-in do, in this same transaction.
        await lifecycle.enqueueConsentChange(tx, webhookEndpoints(site), found, planned.customer, now);
        // The record that deletes answers as the later ones do: deleted (a new customer too).
        return { id: planned.customer.id, status: record.deleted ? 'deleted' : planned.created ? 'created' : 'updated' };
      });
      if (!('refused' in outcome) && outcome.id && record.forgotten && outcome.status != 'forgotten') {
        await store.eraseCustomer(site, outcome.id, 'forget', source);
        return { id: outcome.id, status: 'forgotten' };
      }
      return outcome;
    },

    customerRow: (site, id) => engine.reads.customerById(site, id),
    pageCustomerRows: (site, query) => engine.reads.pageCustomers(site, query),
    listsOfCustomer: (site, customer, afterListId, limit) => engine.reads.listsOfCustomer(site, customer, afterListId, limit),

    async getCustomerByPhone(site, phone) {
      const key = phoneKey(phone);
      const row = key === null ? undefined : await engine.reads.customerByPhone(site, key);
      return row && models.customerRecord(row);
    },

    async getTags(site, idOrEmail, kind) {
      const row = await findCustomerRow(site, idOrEmail);
      return row && engine.reads.tags(site, row.id, kind);
    },

    async changeTags(site, idOrEmail, kind, change, tags, create) {
      const email = idOrEmail.includes('@') ? idOrEmail.trim().toLowerCase() : (await findCustomerRow(site, idOrEmail))?.email;
      if (!email) return 'not_found';
      return customerWrite([emailLock(site, email)], async (tx, plan, late) => {
        let customer = await lockedByEmail(tx, late, site, email);
        if (!customer) {
          if (!create) return 'not_found' as const;
          customer = createCustomerRow(site, email, Date.now());
          plan.customers.set(keyOf(site, customer.id), customer);
          noteChange(plan, site, 'customers', customer.id);
        }
        const next = changeTags(await tx.tags(site, customer.id, kind), change, tags);
        if (!Array.isArray(next)) return next;
        planTags(plan, site, customer.id, kind, next);
        noteChange(plan, site, 'customers', customer.id);
        return next;
      });
    },

    getList: (site, id) => engine.reads.list(site, id),
    listLists: (site, page) => engine.reads.pageLists(site, page),

    async createList(site, name) {
      // No lock: lists are only ever added, and nodes racing at the limit may pass it by a few.
      const { result, plan } = await transactionWithLocks(engine, [], async (tx) => {
        const plan = createWritePlan();
        const result = planListCreate(plan, { site, name, listCount: await tx.listCount(site), now: Date.now() });
        await tx.apply(plan, Date.now());
        return { result, plan };
      });
      publish(plan);
      return result;
    },

    async listContacts(site, listId, page) {
      if (!(await engine.reads.list(site, listId))) return undefined;
      return engine.reads.pageContacts(site, listId, page);
    },

    async addContact(site, listId, { email, firstName, customFields }, createMissingList) {
      const outcome = await customerWrite([emailLock(site, email)], async (tx, plan, late) => {
        const [list] = await tx.lists([[site, listId]]);
        const customer = await lockedByEmail(tx, late, site, email);
        const [membership] = customer ? await tx.memberships([[site, customer.id, listId]]) : [];
        const listCount = list ? 0 : await tx.listCount(site);
        return planContactAdd(plan, { list, listCount, customer, membership }, {
          site, listId, email, firstName, customFields, createMissingList, now: Date.now(),
        });
      });
      if ('refused' in outcome) return outcome;
      return { created: outcome.created, contact: { ...outcome.membership, email } };
    },

    async removeContact(site, listId, email) {
      if (!(await engine.reads.list(site, listId))) return 'no_list';
      return customerWrite([emailLock(site, email)], async (tx, plan, late) => {
        const customer = await lockedByEmail(tx, late, site, email);
        const [membership] = customer ? await tx.memberships([[site, customer.id, listId]]) : [];
        return planContactRemove(plan, { list: undefined, listCount: 0, customer, membership });
      });
    },

    async annotateSession(site, id, annotation, metadata) {
      const { result, plan } = await transactionWithLocks(engine, [lockKey(site, 'session', id)], async (tx) => {
        const plan = createWritePlan();
        if (!(await tx.sessionExists(site, id))) return { result: 'not_found' as const, plan };
        const owner = ownerOf('session', id);
        const keys: MetadataKeys = new Map();
        for (const [s, o, key] of await tx.metadataKeys([[site, owner]])) keys.set(keyOf(s, o), (keys.get(keyOf(s, o)) ?? new Set<string>()).add(key));
        const problem = metadata && metadataProblem(keys, site, owner, Object.keys(metadata));
        if (problem) return { result: { refused: problem }, plan };
        plan.sessionAnnotations.set(keyOf(site, id), { site, id, ...annotation });
        if (metadata) upsertMetadata(plan, keys, site, owner, metadata);
        noteChange(plan, site, 'sessions', id);
        await tx.apply(plan, Date.now());
        return { result: 'annotated' as const, plan };
      });
      publish(plan);
      if (result != 'annotated') return result;
      return (await models.session(site, id))!;
    },

    hubrise: createHubriseStore(engine, {
      publish,
      eraseDefault: (site, id) => store.eraseCustomer(site, id, 'anonymise', 'hubrise'),
      consentChanged: (tx, before, after, now) => lifecycle.enqueueConsentChange(tx, webhookEndpoints(after.site), before, after, now),
    }),

    getSession: (site, id) => models.session(site, id),
    getOrder: (site, id, listed) => models.order(site, id, listed),
    recent: (site, limit) => models.recent(site, limit),
    dashboard: engine.reads,
    exportEvents: (site, after, limit) => engine.exportEvents(site, after, limit),
    isCursor: (cursor) => engine.isCursor(cursor),
    ping: () => engine.ping(),
    lifecycle,

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      await batches.drain();
      await store.hubrise.close();
      listeners.clear();
      await engine.close();
    },
  };
  return store;
}
