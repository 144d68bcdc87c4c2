/**
 * Server-sent events for the inspector: a snapshot on connect, then the rows that changed,
 * at most every UPDATE_INTERVAL_MS per client so that a burst of beacons is one message.
 */
import type { ServerResponse } from 'node:http';
import type { ChangeSet, Store } from '../store/store';
import { toCustomerView, type InspectorView } from './inspector-view';

export const UPDATE_INTERVAL_MS = 200;
export const HEARTBEAT_MS = 15_000;
export const SNAPSHOT_ROWS = 100;
/** Past this many changed rows between two updates, the client gets a fresh snapshot instead. */
export const MAX_PENDING_KEYS = 300;

interface Client {
  res: ServerResponse;
  /** Only this site's data, or every site's when undefined (loopback without a key). */
  site: string | undefined;
  pending: Map<string, { sessions: Set<string>; orders: Set<string>; customers: Set<string> }>;
  size: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export interface LiveFeed {
  /** Starts an event stream on `res`. */
  attach(res: ServerResponse, site: string | undefined): Promise<void>;
  /** Ends every stream (shutdown). */
  close(): void;
}

const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export function createLiveFeed(store: Store, onError: (error: unknown) => void): LiveFeed {
  const clients = new Set<Client>();

  const snapshot = async (site: string | undefined): Promise<InspectorView> => {
    const recent = await store.recent(site, SNAPSHOT_ROWS);
    return { sessions: recent.sessions, orders: recent.orders, customers: recent.customers.map(toCustomerView) };
  };

  const send = async (client: Client): Promise<void> => {
    client.timer = undefined;
    const pending = client.pending;
    const overflow = client.size > MAX_PENDING_KEYS;
    client.pending = new Map();
    client.size = 0;
    if (overflow) return void client.res.write(frame('snapshot', await snapshot(client.site)));
    const view: InspectorView = { sessions: [], orders: [], customers: [] };
    for (const [site, keys] of pending) {
      for (const id of keys.sessions) {
        const session = await store.getSession(site, id);
        if (session) view.sessions.push(session);
      }
      for (const id of keys.orders) {
        const order = await store.getOrder(site, id, true);
        if (order) view.orders.push(order);
      }
      for (const id of keys.customers) {
        const customer = await store.getCustomer(site, id);
        if (customer) view.customers.push(toCustomerView(customer));
      }
    }
    if (!client.res.destroyed) client.res.write(frame('update', view));
  };

  const onChange = (changes: ChangeSet[]): void => {
    for (const client of clients)
      for (const change of changes) {
        if (client.site !== undefined && client.site != change.site) continue;
        let keys = client.pending.get(change.site);
        if (!keys) client.pending.set(change.site, (keys = { sessions: new Set(), orders: new Set(), customers: new Set() }));
        for (const id of change.sessions) keys.sessions.add(id);
        for (const id of change.orders) keys.orders.add(id);
        for (const id of change.customers) keys.customers.add(id);
        client.size += change.sessions.length + change.orders.length + change.customers.length;
        client.timer ??= setTimeout(() => send(client).catch(onError), UPDATE_INTERVAL_MS);
      }
  };

  let unsubscribe: (() => void) | undefined;
  const heartbeat = setInterval(() => {
    for (const client of clients) client.res.write(': ping\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    async attach(res, site) {
      unsubscribe ??= store.onChange(onChange);
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no', // proxies must not buffer a live stream
      });
      const client: Client = { res, site, pending: new Map(), size: 0, timer: undefined };
      clients.add(client);
      res.on('close', () => {
        clearTimeout(client.timer);
        clients.delete(client);
      });
      res.write('retry: 1000\n\n');
      res.write(frame('snapshot', await snapshot(site)));
    },
    close() {
      clearInterval(heartbeat);
      unsubscribe?.();
      for (const client of clients) {
        clearTimeout(client.timer);
        client.res.end();
      }
      clients.clear();
    },
  };
}
