/**
 * The merchant dashboard's JSON reads, under /inspector/api/ (GET only, scope decided by
 * dashboard-access.ts before this runs):
 *
 *   sites                 the sites this login may see, with time zone, currency and buffer
 *   summary               revenue and recovered revenue per local day, totals, the funnel
 *   carts                 a page of carts with their state (abandoned by default), newest first
 *   search?q=             carts and sessions of an email, or the order or session of an id
 *   sessions/{id}         a session and a page of its events in arrival order (its timeline)
 *
 * Every read is for one site: a site login's own (another site's name is a 403), or for the
 * admin the `site` parameter (default: the first configured site). Ranges are days in the site's
 * time zone (dashboard-params.ts).
 */
import type { ServerResponse } from 'node:http';
import { replyError, replyJson } from '../http/http-io';
import type { RequestTarget } from '../http/request-target';
import type { Site, SiteRegistry } from '../sites';
import type { CartRow } from '../store/dashboard-reads';
import type { Store } from '../store/store';
import { cartCursorOf, DEFAULT_PAGE, MAX_ID_CHARS, MAX_PAGE, ParamError, readParams, todayIn, addDays } from './dashboard-params';

/** Lines a cart shows in the listing. */
const LINES_SHOWN = 10;
/** Search results of each kind. */
const SEARCH_ROWS = 25;
const TIMELINE_PAGE = 100;

export interface DashboardApiDeps {
  store: Store;
  sites: () => SiteRegistry;
  now?: () => number;
}

export type DashboardApi = (res: ServerResponse, url: RequestTarget, path: string[], scope: string | undefined) => Promise<void>;

const siteView = (site: Site) => ({ id: site.id, timezone: site.timezone, currency: site.currency, abandonment_minutes: site.abandonment_minutes });

export function createDashboardApi({ store, sites, now = Date.now }: DashboardApiDeps): DashboardApi {
  /** The site a read is for, or the reason it may not be read. */
  const siteFor = (scope: string | undefined, asked: string | undefined): Site | { status: 403 | 404; reason: string } => {
    if (scope !== undefined) {
      if (asked !== undefined && asked != scope) return { status: 403, reason: `this login sees site "${scope}" only` };
      return sites().byId(scope) ?? { status: 404, reason: 'this login names a site that is no longer configured' };
    }
    if (asked === undefined) return sites().all()[0] ?? { status: 404, reason: 'no site is configured' };
    return sites().byId(asked) ?? { status: 404, reason: 'no such site' };
  };

  const cartView = async (site: Site, row: CartRow, at: number) => {
    const lines = await store.dashboard.items(site.id, row.id, LINES_SHOWN);
    return {
      id: row.id,
      session: row.session,
      visitor: row.visitor,
      email: row.email,
      state: row.state,
      // What order_converted said of the recovery: of this order, or of the order that recovered this cart.
      click_back: row.state == 'recovered' ? row.click_back : null,
      status: row.status,
      value: row.cart_data.cart_value ?? null,
      item_count: row.item_count,
      items: lines.map(({ item }) => ({ product_id: item!.product_id, name: item!.name ?? null, item_qty: item!.item_qty ?? 1, price: item!.price ?? null })),
      created_at: row.created_at,
      last_activity: row.last_activity,
      age_seconds: Math.max(0, Math.floor((at - row.last_activity) / 1000)),
      converted_at: row.converted_at,
      campaign_type: row.campaign_type,
    };
  };

  const reads: Record<string, (site: Site, url: RequestTarget, rest: string[]) => Promise<unknown>> = {
    async summary(site, url) {
      const at = now();
      const range = readParams(url.searchParams, ['site', 'from', 'to']).range(site.timezone, at);
      const [buckets, funnel, abandoned] = await Promise.all([
        store.dashboard.revenue(site.id, range),
        store.dashboard.funnel(site.id, range),
        store.dashboard.abandonedTotals(site.id, range),
      ]);
      // Every day of the range, in the site's time zone; 15-minute buckets never straddle two.
      const days = new Map<string, { day: string; revenue: number; recovered_revenue: number; conversions: number; recovered: number; clicked_back: number }>();
      for (let day = range.first; day <= range.last; day = addDays(day, 1))
        days.set(day, { day, revenue: 0, recovered_revenue: 0, conversions: 0, recovered: 0, clicked_back: 0 });
      const totals = {
        revenue: 0,
        recovered_revenue: 0,
        conversions: 0,
        recovered: 0,
        clicked_back: 0,
        abandoned_carts: abandoned.carts,
        abandoned_value: abandoned.value,
        abandoned_browses: abandoned.browses,
      };
      for (const bucket of buckets) {
        const entry = days.get(todayIn(site.timezone, bucket.start));
        for (const target of entry ? [entry, totals] : [totals]) {
          target.revenue += bucket.revenue;
          target.recovered_revenue += bucket.recovered_revenue;
          target.conversions += bucket.conversions;
          target.recovered += bucket.recovered;
          target.clicked_back += bucket.clicked_back;
        }
      }
      return { site: siteView(site), range: { from: range.first, to: range.last, timezone: range.timezone, start: range.from, end: range.to }, totals, days: [...days.values()], funnel, generated_at: at };
    },

    async carts(site, url) {
      const at = now();
      const params = readParams(url.searchParams, ['site', 'from', 'to', 'state', 'after', 'limit']);
      const range = params.range(site.timezone, at);
      const limit = params.integer('limit', 1, MAX_PAGE, DEFAULT_PAGE);
      const rows = await store.dashboard.carts(site.id, { ...range, state: params.state(), after: params.cartCursor(), limit: limit + 1 });
      const page = rows.slice(0, limit);
      return {
        site: siteView(site),
        range: { from: range.first, to: range.last, timezone: range.timezone },
        carts: await Promise.all(page.map((row) => cartView(site, row, at))),
        next: rows.length > limit ? cartCursorOf(page[page.length - 1]) : null,
        generated_at: at,
      };
    },

    async search(site, url) {
      const at = now();
      const q = readParams(url.searchParams, ['site', 'q']).search();
      let rows: CartRow[];
      let sessions: string[];
      if (q.includes('@')) {
        const email = q.toLowerCase();
        [rows, sessions] = await Promise.all([store.dashboard.cartsOfEmail(site.id, email, SEARCH_ROWS), store.dashboard.sessionsOfEmail(site.id, email, SEARCH_ROWS)]);
      } else {
        const [found, session] = await Promise.all([store.dashboard.cartsByIds(site.id, [q]), store.getSession(site.id, q)]);
        rows = found;
        sessions = session ? [session.id] : [];
      }
      return { site: siteView(site), query: q, carts: await Promise.all(rows.map((row) => cartView(site, row, at))), sessions, generated_at: at };
    },

    async sessions(site, url, rest) {
      const [id, extra] = rest;
      if (!id || extra !== undefined) throw new ParamError('name one session: /inspector/api/sessions/{id}');
      if (id.length > MAX_ID_CHARS) throw new ParamError(`a session id is at most ${MAX_ID_CHARS} characters`);
      const params = readParams(url.searchParams, ['site', 'after', 'limit']);
      const after = params.integer('after', 0, Number.MAX_SAFE_INTEGER, 0);
      const limit = params.integer('limit', 1, TIMELINE_PAGE, TIMELINE_PAGE);
      const session = await store.getSession(site.id, id);
      if (!session) return undefined;
      const events = await store.dashboard.sessionEvents(site.id, id, after, limit + 1);
      const page = events.slice(0, limit);
      return { site: siteView(site), session, events: page, next: events.length > limit ? String(page[page.length - 1].cursor) : null };
    },
  };

  return async (res, url, path, scope) => {
    const [name, ...rest] = path;
    try {
      if (name == 'sites' && !rest.length) {
        readParams(url.searchParams, []);
        const visible = scope === undefined ? sites().all() : sites().all().filter((site) => site.id == scope);
        return replyJson(res, 200, { sites: visible.map(siteView), every_site: scope === undefined });
      }
      const read = Object.prototype.hasOwnProperty.call(reads, name ?? '') ? reads[name] : undefined;
      if (!read || (name != 'sessions' && rest.length)) return replyError(res, 404, 'no such dashboard read: see README "Dashboard"');
      const asked = url.searchParams.get('site') ?? undefined;
      const site = siteFor(scope, asked);
      if (!('id' in site)) return replyError(res, site.status, site.reason);
      const body = await read(site, url, rest);
      if (body === undefined) return replyError(res, 404, 'no such session on this site');
      replyJson(res, 200, body);
    } catch (error) {
      if (error instanceof ParamError) return replyError(res, 400, error.message);
      throw error;
    }
  };
}
