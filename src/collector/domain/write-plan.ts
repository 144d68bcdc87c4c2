/**
 * What one transaction writes: the domain rules fill a plan, each engine applies it. Records
 * are kept by key, so a record touched by many events of a batch is written once, last state
 * wins. The engine applies the parts in the order they are declared here.
 */
import type { CustomerRow, ItemRow, ListRecord, Membership, OrderHeader, SessionAnnotation, SessionDelta, TagKind, VisitorRecord } from './records';

export interface MetadataWrites {
  /** Owners whose keys are all deleted first (an API call replacing metadata whole). */
  cleared: Map<string, { site: string; owner: string }>;
  /** Keys copied (overwriting) from one owner to another, after which `from` loses every key. */
  moved: { site: string; from: string; to: string; keys: string[] }[];
  /** Single keys deleted (an import's "" for a company field), after the moves. */
  removed: { site: string; owner: string; key: string }[];
  /** Keys set last; values are JSON text. */
  upserts: Map<string, { site: string; owner: string; entries: Map<string, string> }>;
}

export interface WritePlan {
  customers: Map<string, CustomerRow>;
  visitors: Map<string, VisitorRecord>;
  sessions: Map<string, SessionDelta>;
  orders: Map<string, OrderHeader>;
  /** Orders whose lines are all deleted before `items` are written (a conversion's lines replace them). */
  clearedItems: Map<string, { site: string; order: string }>;
  items: Map<string, ItemRow>;
  /** Tag lists that replace a customer's tags of one kind. */
  tags: Map<string, { site: string; customer: string; kind: TagKind; tags: string[] }>;
  /** Lists to create when missing (an existing list keeps its name). */
  lists: Map<string, Omit<ListRecord, 'contact_count'>>;
  /** Memberships set; the engine counts the new ones into their list's contact_count. */
  memberships: Map<string, Membership>;
  /** Memberships removed (counted out of their list). */
  removedMemberships: Map<string, { site: string; customer: string; list_id: string }>;
  /** Session dates the REST API sets (null clears one). */
  sessionAnnotations: Map<string, SessionAnnotation>;
  metadata: MetadataWrites;
  /** Orders of a visitor without an email get this one (the visitor just told it). */
  linkedOrders: { site: string; visitor: string; email: string }[];
  /** An erasure: sessions and orders lose the email (orders their visitor too), and the audit records it. */
  erasure?: { site: string; customer: string; kind: string; source: string; at: number; sessions: string[]; orders: string[]; events: number };
  /** Events stored before a rule refused them: the engine deletes them again. */
  refused: { site: string; id: string; reason: string }[];
  /** What changed, for the live dashboard: session, order and customer ids per site. */
  changed: Map<string, { sessions: Set<string>; orders: Set<string>; customers: Set<string> }>;
}

export const createWritePlan = (): WritePlan => ({
  customers: new Map(),
  visitors: new Map(),
  sessions: new Map(),
  orders: new Map(),
  clearedItems: new Map(),
  items: new Map(),
  tags: new Map(),
  lists: new Map(),
  memberships: new Map(),
  removedMemberships: new Map(),
  sessionAnnotations: new Map(),
  metadata: { cleared: new Map(), moved: [], removed: [], upserts: new Map() },
  linkedOrders: [],
  refused: [],
  changed: new Map(),
});

/** Plans a customer's tags of one kind, replacing the ones it had. */
export function planTags(plan: WritePlan, site: string, customer: string, kind: TagKind, tags: string[]): void {
  plan.tags.set(`${site}\u0000${customer}\u0000${kind}`, { site, customer, kind, tags });
}

/** Notes a changed record for the dashboard. */
export function noteChange(plan: WritePlan, site: string, kind: 'sessions' | 'orders' | 'customers', key: string): void {
  let entry = plan.changed.get(site);
  if (!entry) plan.changed.set(site, (entry = { sessions: new Set(), orders: new Set(), customers: new Set() }));
  entry[kind].add(key);
}
