/**
 * The HubRise customer API's store (seed 004), written once over any Engine: customer lists
 * (containers), their customers (rows of the one customer table), loyalty cards and their
 * operations, and the purge of deleted lists.
 *
 * - Lists: names are unique as the seed rules (one lock per site serializes list names). The
 *   `default` list always exists; its row is written on first use. Deleting a list marks it
 *   deleted (one row: the cost never grows with the list) and its records are purged in pages
 *   of bounded size by later transactions, at start-up too. Writers of a list's records hold the
 *   list in shared mode and deletion exclusively, so no write lands in a list after its deletion.
 * - Customers: writes hold the customer's id lock; a private_ref is locked while it is checked
 *   unique in its list; the default list keeps one customer per email (the email lock, as every
 *   other writer of that container takes). A change of a default-list customer's email permission
 *   enqueues customer_unsubscribed / customer_opted_in in the write's transaction (consentChanged).
 * - Loyalty: an operation holds its card's lock and its customer's, so concurrent operations on
 *   one card take turns; the card's balance and the customer's points statistics move in the
 *   operation's transaction.
 * - Listings page on a stable key and read a bounded number of rows per page, whatever is stored.
 */
import { ACCOUNT_SCOPE, MAX_CUSTOMER_LISTS, defaultListRow, isRecordId, nameClashes, newListId, newRecordId, type CustomerListRow } from '../../domain/customer-lists';
import { createCustomerRow } from '../../domain/customer-rules';
import { planCustomerSearch, type CustomerCandidate, type CustomerFilters, type CustomerSource } from '../../domain/customer-search';
import { planErasure } from '../../domain/erasure';
import { applyHubrisePatch, type HubriseCustomerPatch } from '../../domain/hubrise-customers';
import { keyOf, lockKey, ownerOf } from '../../domain/keys';
import { CARDS_SHOWN, nextBalance, withOperation, type LoyaltyCardRow, type LoyaltyOperationRow } from '../../domain/loyalty';
import { replaceMetadata } from '../../domain/metadata-rules';
import { DEFAULT_CONTAINER, type CustomerRow, type CustomerStats } from '../../domain/records';
import { createWritePlan, noteChange, type WritePlan } from '../../domain/write-plan';
import { StoreUnavailableError, type Engine, type RecordTx } from '../engine';
import { transactionWithLocks, type LateLocks } from '../lock-restart';
import type { CardSource, SourceCursor } from './hubrise-engine';

/** Rows a customer or card search reads at most per page, whatever it finds among them. */
export const SCAN_LIMIT = 1000;
/** Records one purge transaction deletes at most. */
export const PURGE_PAGE = 500;

/** A refusal, with the status and (for a body field) the field the API names. */
export interface HubriseRefusal {
  refused: string;
  status: 400 | 404 | 422;
  field?: string;
}

/** A customer as the API shows it. */
export interface HubriseCustomerView {
  row: CustomerRow;
  customFields: Record<string, unknown>;
  /** From what was tracked: its own (default list), or those of the default list's customer of its email; null: none. */
  tracked: CustomerStats | null;
  /** Its first CARDS_SHOWN cards. */
  cards: LoyaltyCardRow[];
}

export interface Page<T> {
  rows: T[];
  /** The cursor of the next page; null on the last one. */
  next: string | null;
}

export interface CardFilters {
  customer_id?: string;
  name?: string;
  ref?: string;
}

export interface OperationInput {
  delta: number;
  order_id: string | null;
  reason: string | null;
}

export interface HubriseStore {
  getList(site: string, id: string): Promise<CustomerListRow | undefined>;
  /** Live lists of `scopes` (every scope when null), in creation order. */
  pageLists(site: string, scopes: string[] | null, cursor: string | undefined, count: number): Promise<Page<CustomerListRow> | HubriseRefusal>;
  createList(site: string, scope: string, name: string): Promise<CustomerListRow | HubriseRefusal>;
  renameList(site: string, id: string, name: string): Promise<CustomerListRow | HubriseRefusal>;
  deleteList(site: string, id: string): Promise<CustomerListRow | HubriseRefusal>;
  getCustomer(site: string, list: string, id: string): Promise<HubriseCustomerView | undefined>;
  searchCustomers(site: string, list: string, filters: CustomerFilters, cursor: string | undefined, count: number): Promise<Page<HubriseCustomerView> | HubriseRefusal>;
  createCustomer(site: string, list: string, patch: HubriseCustomerPatch): Promise<HubriseCustomerView | HubriseRefusal>;
  updateCustomer(site: string, list: string, id: string, patch: HubriseCustomerPatch): Promise<HubriseCustomerView | HubriseRefusal>;
  anonymiseCustomer(site: string, list: string, id: string): Promise<HubriseCustomerView | HubriseRefusal>;
  getCard(site: string, list: string, id: string): Promise<LoyaltyCardRow | undefined>;
  pageCards(site: string, list: string, filters: CardFilters, cursor: string | undefined, count: number): Promise<Page<LoyaltyCardRow> | HubriseRefusal>;
  createCard(site: string, list: string, card: { customer: string; name: string | null; ref: string | null }): Promise<LoyaltyCardRow | HubriseRefusal>;
  updateCard(site: string, list: string, id: string, patch: { name?: string | null; ref?: string | null }): Promise<LoyaltyCardRow | HubriseRefusal>;
  getOperation(site: string, list: string, card: string, id: string): Promise<LoyaltyOperationRow | undefined>;
  pageOperations(site: string, list: string, card: string, cursor: string | undefined, count: number): Promise<Page<LoyaltyOperationRow> | HubriseRefusal>;
  createOperation(site: string, list: string, card: string, input: OperationInput & { order_location_id: string | null }): Promise<LoyaltyOperationRow | HubriseRefusal>;
  /** Starts purging deleted lists now (it also runs at start and after each deletion). */
  purge(): void;
  /** Resolves once no purge is running (for tests and shutdown). */
  purged(): Promise<void>;
  close(): Promise<void>;
}

export interface HubriseStoreOptions {
  /** After a commit: tell the dashboard what changed. */
  publish(plan: WritePlan): void;
  /** Anonymises a customer of the default list everywhere the collector keeps its data (Store.eraseCustomer). */
  eraseDefault(site: string, id: string): Promise<unknown>;
  /**
   * In the transaction of a write that may have changed the email permission of a default-list
   * customer: enqueues the webhook it owes (LifecycleStore.enqueueConsentChange). Called for the
   * default list only: it holds the customer the snippet, Rejoiner's REST and the abandonment
   * webhooks know (one per email); a record of another list is a record of its own, which may
   * share its email with several others and whose permission suppresses no webhook.
   */
  consentChanged(tx: RecordTx, before: CustomerRow | undefined, after: CustomerRow, now: number): Promise<void>;
}

const refusal = (status: HubriseRefusal['status'], refused: string, field?: string): HubriseRefusal => ({ refused, status, ...(field ? { field } : {}) });
const noList = (): HubriseRefusal => refusal(404, 'no such customer list');
const noCustomer = (): HubriseRefusal => refusal(404, 'no such customer in this customer list');
const noCard = (): HubriseRefusal => refusal(404, 'no such loyalty card in this customer list');
const badCursor = (): HubriseRefusal => refusal(400, 'not a cursor this listing gave (X-Cursor-Next)', 'cursor');

export const isRefusal = (value: unknown): value is HubriseRefusal => typeof value == 'object' && value !== null && 'refused' in value;

const emptyObject = (): Record<string, unknown> => Object.create(null) as Record<string, unknown>;

/** Cursors: the key (creation order), and for email or phone ranges the value too (base64url). */
const encodeCursor = (key: number, value?: string | null): string =>
  value === undefined || value === null ? String(key) : `${key}.${Buffer.from(value).toString('base64url')}`;

function decodeCursor(cursor: string | undefined, withValue: boolean): SourceCursor | null | undefined {
  if (cursor === undefined) return null;
  const match = /^(\d{1,15})(?:\.([A-Za-z0-9_-]{0,1400}))?$/.exec(cursor);
  if (!match || (match[2] !== undefined) != withValue) return undefined;
  return { key: Number(match[1]), value: match[2] === undefined ? null : Buffer.from(match[2], 'base64url').toString() };
}

/** Whether a customer shows in HubRise's views (the default list also holds customers Custobar or Rejoiner deleted or forgot). */
const isShown = (row: CustomerRow | undefined, list: string): row is CustomerRow => !!row && row.container == list && row.status == 'active';

export function createHubriseStore(engine: Engine, options: HubriseStoreOptions): HubriseStore {
  const reads = engine.hubriseReads;
  const namesLock = (site: string): string => lockKey(site, 'customer-list', ':names');
  const listLock = (site: string, list: string): string => lockKey(site, 'customer-list', list);
  const idLock = (site: string, id: string): string => lockKey(site, 'customer-id', id);
  const emailLock = (site: string, email: string): string => lockKey(site, 'customer', email);
  const refLock = (site: string, list: string, ref: string): string => lockKey(site, 'private-ref', `${list}:${ref}`);
  const cardLock = (site: string, card: string): string => lockKey(site, 'loyalty-card', card);

  /** One write: `locks` first, the plan applied before the commit, published after it. */
  const write = async <T>(locks: string[], work: (tx: RecordTx, plan: WritePlan, late: LateLocks) => Promise<T>): Promise<T> => {
    const { result, plan } = await transactionWithLocks(engine, locks, async (tx, late) => {
      const plan = createWritePlan();
      const result = await work(tx, plan, late);
      const writes = plan.customers.size || plan.metadata.cleared.size || plan.metadata.upserts.size || plan.erasure;
      if (!isRefusal(result) && writes) await tx.apply(plan, Date.now());
      return { result, plan };
    });
    if (!isRefusal(result)) options.publish(plan);
    return result;
  };

  /** Sites whose default list has its row (written on first use, once per site). */
  const defaultsWritten = new Set<string>();
  const ensureDefaultRow = async (tx: RecordTx, site: string): Promise<void> => {
    if (!(await tx.hubrise.customerList(site, DEFAULT_CONTAINER))) await tx.hubrise.insertCustomerList(defaultListRow(site, Date.now()));
  };
  const ensureDefault = async (site: string): Promise<void> => {
    if (defaultsWritten.has(site)) return;
    if (!(await reads.customerList(site, DEFAULT_CONTAINER))) await write([namesLock(site)], (tx) => ensureDefaultRow(tx, site));
    defaultsWritten.add(site);
  };

  /** The list inside a write, held in shared mode so that it cannot be deleted before the commit. */
  const liveListIn = async (tx: RecordTx, site: string, list: string): Promise<boolean> => {
    if (list == DEFAULT_CONTAINER) return true;
    await tx.hubrise.lockListShared(site, list);
    const row = await tx.hubrise.customerList(site, list);
    return !!row && row.deleted_at === null;
  };

  const getList = async (site: string, id: string): Promise<CustomerListRow | undefined> => {
    if (!isRecordId(id)) return undefined;
    if (id == DEFAULT_CONTAINER) await ensureDefault(site);
    return reads.customerList(site, id);
  };

  const listExists = async (site: string, id: string): Promise<boolean> => id == DEFAULT_CONTAINER || !!(await getList(site, id));

  /** The API's views of customer rows, with their custom fields, tracked statistics and first cards (a few reads for the whole page). */
  const views = async (site: string, rows: CustomerRow[]): Promise<HubriseCustomerView[]> => {
    if (!rows.length) return [];
    const emails = [...new Set(rows.filter((row) => row.container != DEFAULT_CONTAINER && row.email).map((row) => row.email!))];
    const [metadata, tracked, cards] = await Promise.all([
      reads.metadataOf(site, rows.map((row) => ownerOf('customer', row.id))),
      reads.defaultCustomersByEmail(site, emails),
      reads.cardsOfCustomers(site, rows.map((row) => row.id), CARDS_SHOWN),
    ]);
    const fields = new Map<string, Record<string, unknown>>();
    for (const [owner, key, json] of metadata) {
      let object = fields.get(owner);
      if (!object) fields.set(owner, (object = emptyObject()));
      object[key] = JSON.parse(json);
    }
    const statsByEmail = new Map(tracked.map((row) => [row.email!, row.stats]));
    return rows.map((row) => ({
      row,
      customFields: { ...fields.get(ownerOf('customer', row.id)) },
      tracked: row.container == DEFAULT_CONTAINER ? row.stats : row.email ? (statsByEmail.get(row.email) ?? null) : null,
      cards: cards.filter((card) => card.customer == row.id).sort((a, b) => a.seq - b.seq),
    }));
  };

  const viewOf = async (site: string, id: string): Promise<HubriseCustomerView> => {
    const [row] = await reads.customers(site, [id]);
    return (await views(site, [row]))[0];
  };

  // -- the purge of deleted lists --
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const runPurge = async (): Promise<void> => {
    for (;;) {
      const lists = await reads.deletedCustomerLists(10);
      if (!lists.length || closed) return;
      for (const { site, id } of lists)
        while (!closed && !(await engine.transaction([], (tx) => tx.hubrise.purgeStep(site, id, PURGE_PAGE))))
          await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const purge = (): void => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(retry);
    running = runPurge()
      .catch((error: unknown) => {
        // The database is away (or the purge failed): try again later; the marks stay until it is done.
        if (!closed) retry = setTimeout(purge, error instanceof StoreUnavailableError ? 2000 : 30_000);
        retry?.unref?.();
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          purge();
        }
      });
  };
  const startup = setTimeout(purge, 0);
  startup.unref?.();

  /** The card of `list`, read without locks (to learn its customer). */
  const cardOf = async (site: string, list: string, id: string): Promise<LoyaltyCardRow | undefined> => {
    if (!isRecordId(id) || !(await listExists(site, list))) return undefined;
    const card = await reads.loyaltyCard(site, id);
    return card && card.list == list ? card : undefined;
  };

  const store: HubriseStore = {
    getList,

    async pageLists(site, scopes, cursor, count) {
      await ensureDefault(site);
      const after = decodeCursor(cursor, false);
      if (after === undefined) return badCursor();
      const rows = await reads.pageCustomerLists(site, scopes, after?.key ?? 0, count + 1);
      const more = rows.length > count;
      if (more) rows.length = count;
      return { rows, next: more ? encodeCursor(rows[count - 1].seq) : null };
    },

    async createList(site, scope, name) {
      const created = await write([namesLock(site)], async (tx) => {
        await ensureDefaultRow(tx, site);
        if ((await tx.hubrise.liveListCount(site)) >= MAX_CUSTOMER_LISTS) return refusal(422, `the account has ${MAX_CUSTOMER_LISTS} customer lists already`);
        if (nameClashes(scope, await tx.hubrise.liveListsNamed(site, name)))
          return refusal(422, scope == ACCOUNT_SCOPE ? 'another customer list of the account has this name' : 'another customer list of this location or of the account has this name', 'name');
        for (;;) {
          const id = newListId();
          if (await tx.hubrise.insertCustomerList({ site, id, name, scope, created_at: Date.now() })) return id;
        }
      });
      if (isRefusal(created)) return created;
      defaultsWritten.add(site);
      return (await reads.customerList(site, created))!;
    },

    async renameList(site, id, name) {
      if (!isRecordId(id)) return noList();
      const renamed = await write([namesLock(site)], async (tx) => {
        if (id == DEFAULT_CONTAINER) await ensureDefaultRow(tx, site);
        const list = await tx.hubrise.customerList(site, id);
        if (!list || list.deleted_at !== null) return noList();
        if (list.name == name) return id;
        const others = (await tx.hubrise.liveListsNamed(site, name)).filter((other) => other.id != id);
        if (nameClashes(list.scope, others)) return refusal(422, 'another customer list has this name', 'name');
        await tx.hubrise.renameCustomerList(site, id, name);
        return id;
      });
      return isRefusal(renamed) ? renamed : (await reads.customerList(site, id))!;
    },

    async deleteList(site, id) {
      if (id == DEFAULT_CONTAINER)
        return refusal(422, "the default customer list cannot be deleted: beacons, Rejoiner's REST API and imports write their customers to it");
      const list = await getList(site, id);
      if (!list) return noList();
      // Exclusive: writers of the list's records hold it in shared mode until they commit.
      const outcome = await write([listLock(site, id)], async (tx) => {
        const row = await tx.hubrise.customerList(site, id);
        if (!row || row.deleted_at !== null) return noList();
        await tx.hubrise.markCustomerListDeleted(site, id, Date.now());
        return 'deleted' as const;
      });
      if (isRefusal(outcome)) return outcome;
      purge();
      return list;
    },

    async getCustomer(site, list, id) {
      if (!isRecordId(id) || !(await listExists(site, list))) return undefined;
      const [row] = await reads.customers(site, [id]);
      return isShown(row, list) ? (await views(site, [row]))[0] : undefined;
    },

    async searchCustomers(site, list, filters, cursor, count) {
      if (!(await listExists(site, list))) return noList();
      const search = planCustomerSearch(filters, list == DEFAULT_CONTAINER);
      if ('reason' in search) return refusal(400, search.reason, search.field);
      const ranged = search.source.by == 'email' || search.source.by == 'phone';
      const exact = ranged && (search.source as Extract<CustomerSource, { exact: boolean }>).exact;
      const after = decodeCursor(cursor, ranged && !exact);
      if (after === undefined) return badCursor();
      const limit = search.verify ? Math.max(SCAN_LIMIT, count + 1) : count + 1;
      const candidates = await reads.customerCandidates(site, list, search.source, after, limit);
      const matches: CustomerCandidate[] = [];
      for (const candidate of candidates) if (search.accepts(candidate) && matches.push(candidate) > count) break;
      const cursorOf = (candidate: CustomerCandidate): string =>
        encodeCursor(candidate.key, ranged && !exact ? (search.source.by == 'email' ? candidate.email : candidate.phone_key) : undefined);
      let next: string | null = null;
      if (matches.length > count) {
        matches.length = count;
        next = cursorOf(matches[count - 1]);
      } else if (candidates.length == limit) next = cursorOf(candidates[candidates.length - 1]);
      const byId = new Map((await reads.customers(site, matches.map((match) => match.id))).map((row) => [row.id, row]));
      const rows = matches.map((match) => byId.get(match.id)).filter((row): row is CustomerRow => isShown(row, list));
      return { rows: await views(site, rows), next };
    },

    async createCustomer(site, list, patch) {
      const locks: string[] = [];
      if (typeof patch.private_ref == 'string') locks.push(refLock(site, list, patch.private_ref));
      if (list == DEFAULT_CONTAINER && typeof patch.email == 'string') locks.push(emailLock(site, patch.email));
      const created = await write(locks, async (tx, plan, late) => {
        if (!(await liveListIn(tx, site, list))) return noList();
        if (typeof patch.private_ref == 'string' && (await tx.hubrise.customerByPrivateRef(site, list, patch.private_ref)))
          return refusal(422, 'another customer of this list has this private_ref', 'private_ref');
        if (list == DEFAULT_CONTAINER && typeof patch.email == 'string' && (await tx.customersByEmail([[site, patch.email]])).length)
          return refusal(422, 'the default list keeps one customer per email, and one has this email already', 'email');
        const now = Date.now();
        let id: string;
        // A new id, locked before it is checked: two writers never pick the same one.
        do {
          id = newRecordId();
          await late.more([idLock(site, id)]);
        } while (await tx.customerById(site, id));
        const row = applyHubrisePatch(createCustomerRow(site, null, now, id, list), patch, now);
        if (list == DEFAULT_CONTAINER) await options.consentChanged(tx, undefined, row, now);
        plan.customers.set(keyOf(site, id), row);
        noteChange(plan, site, 'customers', id);
        if (patch.customFields) replaceMetadata(plan, new Map(), site, ownerOf('customer', id), patch.customFields);
        return id;
      });
      return isRefusal(created) ? created : viewOf(site, created);
    },

    async updateCustomer(site, list, id, patch) {
      if (!isRecordId(id) || !(await listExists(site, list))) return noCustomer();
      const [seen] = await reads.customers(site, [id]);
      if (!isShown(seen, list)) return noCustomer();
      const locks = [idLock(site, id)];
      if (typeof patch.private_ref == 'string') locks.push(refLock(site, list, patch.private_ref));
      if (list == DEFAULT_CONTAINER && typeof patch.email == 'string') locks.push(emailLock(site, patch.email));
      const updated = await write(locks, async (tx, plan) => {
        if (!(await liveListIn(tx, site, list))) return noList();
        const found = await tx.customerById(site, id);
        if (!isShown(found, list)) return noCustomer();
        const now = Date.now();
        const next = applyHubrisePatch(found, patch, now);
        if (next.private_ref !== null && next.private_ref != found.private_ref) {
          const other = await tx.hubrise.customerByPrivateRef(site, list, next.private_ref);
          if (other && other.id != id) return refusal(422, 'another customer of this list has this private_ref', 'private_ref');
        }
        if (list == DEFAULT_CONTAINER && next.email !== null && next.email != found.email) {
          const [other] = await tx.customersByEmail([[site, next.email]]);
          if (other && other.id != id) return refusal(422, 'the default list keeps one customer per email, and another one has this email', 'email');
        }
        // The snippet's customer is the default list's (see consentChanged): its receivers hear of the change in this transaction.
        if (list == DEFAULT_CONTAINER) await options.consentChanged(tx, found, next, now);
        plan.customers.set(keyOf(site, id), next);
        noteChange(plan, site, 'customers', id);
        if (patch.customFields !== undefined) replaceMetadata(plan, new Map(), site, ownerOf('customer', id), patch.customFields ?? {});
        return id;
      });
      return isRefusal(updated) ? updated : viewOf(site, id);
    },

    async anonymiseCustomer(site, list, id) {
      if (!isRecordId(id) || !(await listExists(site, list))) return noCustomer();
      const [seen] = await reads.customers(site, [id]);
      if (!isShown(seen, list)) return noCustomer();
      if (seen.anonymised) return viewOf(site, id);
      if (list == DEFAULT_CONTAINER) {
        // The tracked person: erased from visitors, sessions, orders and stored events too.
        await options.eraseDefault(site, id);
        return viewOf(site, id);
      }
      // A customer of another list: only its own record holds its data.
      const outcome = await write([idLock(site, id)], async (tx, plan) => {
        if (!(await liveListIn(tx, site, list))) return noList();
        const customer = await tx.customerById(site, id);
        if (!isShown(customer, list)) return noCustomer();
        const records = { visitors: [], sessions: [], orders: [], memberships: [], metadata: [], items: [] };
        planErasure(plan, { customer, kind: 'anonymise', source: 'hubrise', records, eventsScrubbed: 0, now: Date.now() });
        noteChange(plan, site, 'customers', id);
        return id;
      });
      if (isRefusal(outcome)) return outcome;
      await engine.afterErasure();
      return viewOf(site, id);
    },

    getCard: (site, list, id) => cardOf(site, list, id),

    async pageCards(site, list, filters, cursor, count) {
      if (!(await listExists(site, list))) return noList();
      const after = decodeCursor(cursor, false);
      if (after === undefined) return badCursor();
      const source: CardSource =
        filters.customer_id !== undefined
          ? { by: 'customer', value: filters.customer_id }
          : filters.ref !== undefined
            ? { by: 'ref', value: filters.ref }
            : filters.name !== undefined
              ? { by: 'name', value: filters.name }
              : { by: 'all' };
      const given = Object.values(filters).filter((value) => value !== undefined).length;
      const verify = given > 1;
      const accepts = (card: LoyaltyCardRow): boolean =>
        (filters.customer_id === undefined || card.customer == filters.customer_id) &&
        (filters.ref === undefined || card.ref == filters.ref) &&
        (filters.name === undefined || card.name == filters.name);
      const limit = verify ? Math.max(SCAN_LIMIT, count + 1) : count + 1;
      const candidates = await reads.cardCandidates(site, list, source, after?.key ?? 0, limit);
      const rows: LoyaltyCardRow[] = [];
      for (const card of candidates) if (accepts(card) && rows.push(card) > count) break;
      let next: string | null = null;
      if (rows.length > count) {
        rows.length = count;
        next = encodeCursor(rows[count - 1].seq);
      } else if (candidates.length == limit) next = encodeCursor(candidates[candidates.length - 1].seq);
      return { rows, next };
    },

    async createCard(site, list, { customer, name, ref }) {
      if (!(await listExists(site, list))) return noList();
      const created = await write([idLock(site, customer)], async (tx) => {
        if (!(await liveListIn(tx, site, list))) return noList();
        if (!isShown(await tx.customerById(site, customer), list)) return refusal(422, 'no customer of this list has this id', 'customer_id');
        if (await tx.hubrise.cardOfCustomer(site, customer, ref))
          return ref === null
            ? refusal(422, 'the customer has a loyalty card without ref already (at most one per customer)', 'ref')
            : refusal(422, 'the customer has a loyalty card with this ref already', 'ref');
        for (;;) {
          const id = newRecordId();
          if (await tx.hubrise.insertLoyaltyCard({ site, id, list, customer, name, ref, balance: 0, created_at: Date.now() })) return id;
        }
      });
      return isRefusal(created) ? created : (await reads.loyaltyCard(site, created))!;
    },

    async updateCard(site, list, id, patch) {
      const seen = await cardOf(site, list, id);
      if (!seen) return noCard();
      const updated = await write([idLock(site, seen.customer)], async (tx) => {
        if (!(await liveListIn(tx, site, list))) return noList();
        const card = await tx.hubrise.loyaltyCard(site, id);
        if (!card || card.list != list) return noCard();
        const name = patch.name === undefined ? card.name : patch.name;
        const ref = patch.ref === undefined ? card.ref : patch.ref;
        if (ref !== card.ref) {
          const other = await tx.hubrise.cardOfCustomer(site, card.customer, ref);
          if (other && other.id != id)
            return ref === null
              ? refusal(422, 'the customer has a loyalty card without ref already (at most one per customer)', 'ref')
              : refusal(422, 'the customer has a loyalty card with this ref already', 'ref');
        }
        await tx.hubrise.updateLoyaltyCard(site, id, name, ref);
        return id;
      });
      return isRefusal(updated) ? updated : (await reads.loyaltyCard(site, id))!;
    },

    async getOperation(site, list, card, id) {
      if (!isRecordId(id) || !(await cardOf(site, list, card))) return undefined;
      const operation = await reads.loyaltyOperation(site, id);
      return operation && operation.card == card ? operation : undefined;
    },

    async pageOperations(site, list, card, cursor, count) {
      if (!(await cardOf(site, list, card))) return noCard();
      const before = decodeCursor(cursor, false);
      if (before === undefined) return badCursor();
      const rows = await reads.operationsBefore(site, card, before?.key ?? null, count + 1);
      const more = rows.length > count;
      if (more) rows.length = count;
      return { rows, next: more ? encodeCursor(rows[count - 1].seq) : null };
    },

    async createOperation(site, list, cardId, input) {
      const seen = await cardOf(site, list, cardId);
      if (!seen) return noCard();
      // The card's lock: operations on one card take turns, so none loses another's balance.
      const created = await write([cardLock(site, cardId), idLock(site, seen.customer)], async (tx, plan) => {
        if (!(await liveListIn(tx, site, list))) return noList();
        const card = await tx.hubrise.loyaltyCard(site, cardId);
        if (!card || card.list != list) return noCard();
        if (input.order_id !== null && !(await tx.hubrise.orderExists(site, input.order_id)))
          return refusal(422, 'no order of this account has this id or order_number', 'order_id');
        const balance = nextBalance(card.balance, input.delta);
        if ('reason' in balance) return refusal(422, balance.reason, 'delta');
        const customer = await tx.customerById(site, card.customer);
        if (!customer) return noCard();
        const now = Date.now();
        const stats = withOperation(customer.stats, input.delta, now);
        if ('reason' in stats) return refusal(422, stats.reason, 'delta');
        plan.customers.set(keyOf(site, customer.id), { ...customer, stats });
        noteChange(plan, site, 'customers', customer.id);
        await tx.hubrise.setCardBalance(site, cardId, balance.balance);
        for (;;) {
          const id = newRecordId();
          const row = {
            site, id, list, card: cardId, customer: customer.id, created_at: now, order_id: input.order_id,
            order_location_id: input.order_id === null ? null : input.order_location_id, reason: input.reason,
            delta: input.delta, new_balance: balance.balance,
          };
          if (await tx.hubrise.insertLoyaltyOperation(row)) return id;
        }
      });
      return isRefusal(created) ? created : (await reads.loyaltyOperation(site, created))!;
    },

    purge,

    async purged() {
      while (running) await running;
    },

    async close() {
      closed = true;
      clearTimeout(startup);
      clearTimeout(retry);
      while (running) await running;
    },
  };
  return store;
}
