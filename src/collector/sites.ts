/**
 * Sites the collector accepts (CONTRACTS.md "Sites file"): id, allowed origins (CORS and the
 * seed-era "domain whitelist"), the signing pair, the bearer `token`, and the per-site settings
 * of later features. Read from a JSON file, or the built-in demo site for local use. Every
 * field is checked at start and an unknown one is refused by name: a typo must not silently
 * switch a rule off.
 */
import { readFileSync } from 'node:fs';
import { sameSecret } from './http/constant-time';
import { normalizeOriginPattern } from './origins';

/** A webhook receiver of a site. */
export interface WebhookConfig {
  url: string;
  secret: string;
  /** Event types sent to this receiver; every type when absent. */
  events?: string[];
}

/** A site as written in the sites file (or passed to `startCollector`). */
export interface SiteConfig {
  id: string;
  /** Exact origins ("https://shop.example"), subdomain patterns ("https://*.shop.example") or "*". */
  origins: string[];
  /** HMAC-SHA1 signing pair (seed 003). `key` is not secret: it is in every signed header. */
  key: string;
  secret: string;
  /** The site's bearer credential (REST bearer forms, dashboard login). None: signed requests only. */
  token?: string;
  /** Refuse bearer requests on the Rejoiner2 bases. @default false */
  require_signatures?: boolean;
  /** Inactivity after which a session is abandoned. @default 30 */
  abandonment_minutes?: number;
  webhooks?: WebhookConfig[];
  /** IANA time zone for imported datetimes without one. @default "UTC" */
  timezone?: string;
  /** ISO 4217 code for money rendered as text. @default "USD" */
  currency?: string;
}

/** A checked site with every default filled in. */
export interface Site extends Required<Omit<SiteConfig, 'token'>> {
  token: string | undefined;
}

/** Lookup of sites by id and by API key. */
export interface SiteRegistry {
  byId(id: string): Site | undefined;
  byKey(key: string): Site | undefined;
  /** The site whose bearer `token` this is, compared in constant time against every site's. */
  byToken(token: string): Site | undefined;
  all(): readonly Site[];
}

const SITE_ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** Whether `text` can be a site id at all (CONTRACTS.md), before any site is looked up. */
export const isSiteId = (text: string): boolean => SITE_ID.test(text);
/** CONTRACTS.md: at least 24 characters of `[A-Za-z0-9_-]`, so never a `:` (Basic auth splits there). */
const TOKEN = /^[A-Za-z0-9_-]{24,}$/;
const FIELDS: ReadonlySet<string> = new Set([
  'id', 'origins', 'key', 'secret', 'token', 'require_signatures', 'abandonment_minutes', 'webhooks', 'timezone', 'currency',
]);
const WEBHOOK_FIELDS: ReadonlySet<string> = new Set(['url', 'secret', 'events']);

/** Fixed values of the demo site, so that a local curl example keeps working across restarts. */
export const DEMO_SITE_ID = 'demo';
export const DEMO_KEY = 'demo-key';
export const DEMO_SECRET = 'demo-secret';
/** The demo site's bearer token (never used outside the demo: production mode has no demo site). */
export const DEMO_TOKEN = 'demo-token-for-local-tries-only';

/** The demo site: allowed from the collector's own origin(s) only. */
export const createDemoSite = (port: number): SiteConfig => ({
  id: DEMO_SITE_ID,
  origins: [`http://localhost:${port}`, `http://127.0.0.1:${port}`],
  key: DEMO_KEY,
  secret: DEMO_SECRET,
  token: DEMO_TOKEN,
});

const isTimeZone = (name: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
};

/** ISO 4217 codes this runtime knows (`Intl.supportedValuesOf` is ES2022, newer than the browser code's lib). */
const CURRENCIES = new Set((Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('currency'));
const isCurrency = (code: string): boolean => /^[A-Z]{3}$/.test(code) && (!CURRENCIES.size || CURRENCIES.has(code));

function checkWebhooks(value: unknown, where: string): WebhookConfig[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected an array of {url, secret, events?}`);
  return value.map((entry: unknown, index) => {
    const at = `${where}[${index}]`;
    if (typeof entry != 'object' || entry == null || Array.isArray(entry)) throw new Error(`${at}: not an object`);
    for (const field of Object.keys(entry)) if (!WEBHOOK_FIELDS.has(field)) throw new Error(`${at}.${field}: unknown field`);
    const { url, secret, events } = entry as Record<string, unknown>;
    if (typeof url != 'string' || !/^https?:\/\/[^\s/]+/.test(url)) throw new Error(`${at}.url: expected an http(s) URL`);
    if (typeof secret != 'string' || !secret) throw new Error(`${at}.secret: expected a non-empty string`);
    if (events !== undefined && !(Array.isArray(events) && events.every((type) => typeof type == 'string')))
      throw new Error(`${at}.events: expected an array of event types`);
    return events === undefined ? { url, secret } : { url, secret, events: events as string[] };
  });
}

/** Checks one site entry; `where` names it in errors. */
function checkSite(entry: unknown, where: string): Site {
  if (typeof entry != 'object' || entry == null || Array.isArray(entry)) throw new Error(`${where}: not an object`);
  for (const field of Object.keys(entry)) if (!FIELDS.has(field)) throw new Error(`${where}.${field}: unknown field`);
  const input = entry as Record<string, unknown>;
  const { id, origins, key, secret, token } = input;
  if (typeof id != 'string' || !SITE_ID.test(id)) throw new Error(`${where}.id: 1-64 letters, digits, "_", "-" or "."`);
  if (!Array.isArray(origins) || !origins.every((origin) => typeof origin == 'string'))
    throw new Error(`${where}.origins: expected an array of origin strings`);
  if (typeof key != 'string' || !key) throw new Error(`${where}.key: expected a non-empty string`);
  if (typeof secret != 'string' || !secret) throw new Error(`${where}.secret: expected a non-empty string`);
  // A "<…>" left from the README's example, or a value pasted with spaces, is no credential.
  for (const [name, value] of [['key', key], ['secret', secret]] as const)
    if (/[<>\s]/.test(value)) throw new Error(`${where}.${name}: no spaces, "<" or ">" (replace the placeholder with a value of your own)`);
  if (token !== undefined && (typeof token != 'string' || !TOKEN.test(token)))
    throw new Error(`${where}.token: at least 24 characters of A-Z, a-z, 0-9, "_" and "-"`);
  const requireSignatures = input.require_signatures ?? false;
  if (typeof requireSignatures != 'boolean') throw new Error(`${where}.require_signatures: expected true or false`);
  const minutes = input.abandonment_minutes ?? 30;
  if (typeof minutes != 'number' || !(minutes > 0 && minutes <= 60 * 24 * 30))
    throw new Error(`${where}.abandonment_minutes: expected a number of minutes from 0 to 43200`);
  const timezone = input.timezone ?? 'UTC';
  if (typeof timezone != 'string' || !isTimeZone(timezone)) throw new Error(`${where}.timezone: expected an IANA time zone name`);
  const currency = input.currency ?? 'USD';
  if (typeof currency != 'string' || !isCurrency(currency)) throw new Error(`${where}.currency: expected an ISO 4217 code`);
  const patterns = origins.map((origin: string) => {
    const pattern = normalizeOriginPattern(origin);
    if (!pattern) throw new Error(`${where}.origins: "${origin}" is not an origin like https://shop.example`);
    return pattern;
  });
  return {
    id,
    origins: patterns,
    key,
    secret,
    token: token as string | undefined,
    require_signatures: requireSignatures,
    abandonment_minutes: minutes,
    webhooks: input.webhooks === undefined ? [] : checkWebhooks(input.webhooks, `${where}.webhooks`),
    timezone,
    currency,
  };
}

/** Checks a parsed sites file (or the sites given to `startCollector`); throws an Error naming the first problem. */
export function parseSites(input: unknown): Site[] {
  if (!Array.isArray(input)) throw new Error('sites: expected a JSON array of {id, origins, key, secret}');
  const sites = input.map((entry, index) => checkSite(entry, `sites[${index}]`));
  const ids = new Set<string>();
  const keys = new Set(sites.map((site) => site.key));
  const tokens = new Set<string>();
  sites.forEach((site, index) => {
    const where = `sites[${index}]`;
    if (ids.has(site.id)) throw new Error(`${where}.id: "${site.id}" is listed twice`);
    ids.add(site.id);
    if (sites.findIndex((other) => other.key == site.key) != index) throw new Error(`${where}.key: used by two sites`);
    if (site.token === undefined) return;
    if (tokens.has(site.token)) throw new Error(`${where}.token: used by two sites`);
    if (keys.has(site.token)) throw new Error(`${where}.token: must differ from every site's key`);
    tokens.add(site.token);
  });
  return sites;
}

/** Reads and checks a sites file. */
export const loadSitesFile = (path: string): Site[] => parseSites(JSON.parse(readFileSync(path, 'utf8')));

/** Builds the lookup; a Map, so that ids such as "__proto__" or "constructor" are just strings. */
export function createSiteRegistry(sites: readonly Site[]): SiteRegistry {
  const byId = new Map(sites.map((site) => [site.id, site]));
  const byKey = new Map(sites.map((site) => [site.key, site]));
  const byToken = (token: string): Site | undefined => {
    let found: Site | undefined;
    // Every site is compared, so the time taken does not tell which one (or whether one) matched.
    for (const site of sites) if (site.token !== undefined && sameSecret(token, site.token)) found = site;
    return found;
  };
  return { byId: (id) => byId.get(id), byKey: (key) => byKey.get(key), byToken, all: () => sites };
}
