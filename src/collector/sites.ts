/**
 * Sites the collector accepts: id, allowed origins (CORS and the seed-era "domain whitelist"),
 * API key and secret. Read from a JSON file, or the built-in demo site for local use.
 */
import { readFileSync } from 'node:fs';
import { normalizeOriginPattern } from './origins';

export interface Site {
  id: string;
  /** Exact origins ("https://shop.example"), subdomain patterns ("https://*.shop.example") or "*". */
  origins: string[];
  key: string;
  secret: string;
}

/** Lookup of sites by id and by API key. */
export interface SiteRegistry {
  byId(id: string): Site | undefined;
  byKey(key: string): Site | undefined;
  all(): readonly Site[];
}

const SITE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Fixed values of the demo site, so that a local curl example keeps working across restarts. */
export const DEMO_SITE_ID = 'demo';
export const DEMO_KEY = 'demo-key';
export const DEMO_SECRET = 'demo-secret';

/** The demo site: allowed from the collector's own origin(s) only. */
export const createDemoSite = (port: number): Site => ({
  id: DEMO_SITE_ID,
  origins: [`http://localhost:${port}`, `http://127.0.0.1:${port}`],
  key: DEMO_KEY,
  secret: DEMO_SECRET,
});

/** Checks a parsed sites file; throws an Error naming the first problem. */
export function parseSites(input: unknown): Site[] {
  if (!Array.isArray(input)) throw new Error('sites: expected a JSON array of {id, origins, key, secret}');
  const ids = new Set<string>();
  const keys = new Set<string>();
  return input.map((entry: unknown, index): Site => {
    const where = `sites[${index}]`;
    if (typeof entry != 'object' || entry == null || Array.isArray(entry)) throw new Error(`${where}: not an object`);
    const { id, origins, key, secret } = entry as Record<string, unknown>;
    if (typeof id != 'string' || !SITE_ID.test(id)) throw new Error(`${where}.id: 1-64 letters, digits, "_", "-" or "."`);
    if (!Array.isArray(origins) || !origins.every((origin) => typeof origin == 'string'))
      throw new Error(`${where}.origins: expected an array of origin strings`);
    if (typeof key != 'string' || !key) throw new Error(`${where}.key: expected a non-empty string`);
    if (typeof secret != 'string' || !secret) throw new Error(`${where}.secret: expected a non-empty string`);
    if (ids.has(id)) throw new Error(`${where}.id: "${id}" is listed twice`);
    if (keys.has(key)) throw new Error(`${where}.key: used by two sites`);
    ids.add(id);
    keys.add(key);
    const patterns = origins.map((origin: string) => {
      const pattern = normalizeOriginPattern(origin);
      if (!pattern) throw new Error(`${where}.origins: "${origin}" is not an origin like https://shop.example`);
      return pattern;
    });
    return { id, origins: patterns, key, secret };
  });
}

/** Reads and checks a sites file. */
export const loadSitesFile = (path: string): Site[] => parseSites(JSON.parse(readFileSync(path, 'utf8')));

/** Builds the lookup; a Map, so that ids such as "__proto__" or "constructor" are just strings. */
export function createSiteRegistry(sites: readonly Site[]): SiteRegistry {
  const byId = new Map(sites.map((site) => [site.id, site]));
  const byKey = new Map(sites.map((site) => [site.key, site]));
  return { byId: (id) => byId.get(id), byKey: (key) => byKey.get(key), all: () => sites };
}
