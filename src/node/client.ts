/**
 * A typed client of the collector's signed REST API, for the merchant's backend. Every request
 * is signed with `sign()` over exactly the path and body it sends.
 */
import type { WireEvent } from '../protocol/types';
import { authorizationHeader } from './sign';
import type {
  CustomerConvertInput,
  CustomerConvertResult,
  CustomerFields,
  CustomerJson,
  ExportOptions,
  LeadConvertInput,
} from './types';

export interface RejoinerClientOptions {
  /** Where the API lives, e.g. "https://collector.example.com". */
  baseUrl: string;
  siteId: string;
  /** The site's API key (public half). */
  key: string;
  /** The site's API secret; never sent, only used to sign. */
  secret: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** A non-2xx answer. `body` is the response text (the collector puts a reason there). */
export class RejoinerApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${status} ${body}`.trim());
    this.name = 'RejoinerApiError';
  }
}

/** A streamed export: the cursor to resume from, and the events, oldest first. */
export interface EventExport {
  nextCursor: string;
  events: AsyncIterable<WireEvent>;
}

export interface RejoinerClient {
  /** `POST /api/1.0/site/{site}/lead/convert`: converts the email's open orders. */
  convertLead(input: LeadConvertInput): Promise<void>;
  /** `POST customer/convert/`: converts the customer's latest open order. */
  customerConvert(input: CustomerConvertInput): Promise<CustomerConvertResult>;
  /** `POST customer/cancel/`: stops the customer's active journeys. */
  cancel(email: string): Promise<CustomerJson>;
  /** `POST customer/unsubscribe/` */
  unsubscribe(email: string): Promise<CustomerJson>;
  /** `POST customer/opt_in/`: `info` is kept (as strings) with the consent record. */
  optIn(email: string, info?: Record<string, string | number | boolean>): Promise<CustomerJson>;
  /** `GET customers/{id or email}/`; null when there is no such customer. */
  getCustomer(idOrEmail: string): Promise<CustomerJson | null>;
  /** `POST customers/`: creates the customer, or updates the one with that email. */
  createCustomer(fields: CustomerFields): Promise<CustomerJson>;
  /** `PUT customers/{id or email}/`: `metadata`, when given, replaces the stored one whole. */
  updateCustomer(idOrEmail: string, fields: CustomerFields): Promise<CustomerJson>;
  /** `GET events/`: every stored event of the site, streamed. */
  exportEvents(options?: ExportOptions): Promise<EventExport>;
}

/** Creates a client; it keeps no state besides its options. */
export function createRejoinerClient(options: RejoinerClientOptions): RejoinerClient {
  const doFetch = options.fetch ?? globalThis.fetch;
  const site = encodeURIComponent(options.siteId);
  const v1 = `/api/v1/${site}/`;

  const request = async (method: string, path: string, payload?: unknown): Promise<Response> => {
    const url = new URL(path.replace(/^\//, ''), options.baseUrl.replace(/\/*$/, '/'));
    const body = payload === undefined ? '' : JSON.stringify(payload);
    // Sign what goes on the wire: the URL parser may have added a base path.
    const signedPath = url.pathname + url.search;
    const headers: Record<string, string> = {
      authorization: authorizationHeader(options.key, options.secret, method, signedPath, body),
    };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const response = await doFetch(url, { method, headers, body: payload === undefined ? undefined : body });
    if (!response.ok && !(response.status == 404 && method == 'GET' && path.includes('/customers/')))
      throw new RejoinerApiError(response.status, await response.text().catch(() => ''), method, signedPath);
    return response;
  };

  const json = async <T>(method: string, path: string, payload?: unknown): Promise<T> =>
    (await (await request(method, path, payload)).json()) as T;

  return {
    async convertLead(input) {
      await (await request('POST', `/api/1.0/site/${site}/lead/convert`, input)).arrayBuffer();
    },
    customerConvert: (input) => json('POST', `${v1}customer/convert/`, input),
    cancel: (email) => json('POST', `${v1}customer/cancel/`, { email }),
    unsubscribe: (email) => json('POST', `${v1}customer/unsubscribe/`, { email }),
    optIn: (email, info = {}) => json('POST', `${v1}customer/opt_in/`, { ...info, email }),
    async getCustomer(idOrEmail) {
      const response = await request('GET', `${v1}customers/${encodeURIComponent(idOrEmail)}/`);
      if (response.status == 404) {
        await response.arrayBuffer();
        return null;
      }
      return (await response.json()) as CustomerJson;
    },
    createCustomer: (fields) => json('POST', `${v1}customers/`, fields),
    updateCustomer: (idOrEmail, fields) =>
      json('PUT', `${v1}customers/${encodeURIComponent(idOrEmail)}/`, fields),
    async exportEvents({ after, limit } = {}) {
      const query = new URLSearchParams();
      if (after !== undefined) query.set('after', after);
      if (limit !== undefined) query.set('limit', String(limit));
      const search = query.size ? `?${query}` : '';
      const response = await request('GET', `${v1}events/${search}`);
      return {
        nextCursor: response.headers.get('x-next-cursor') ?? after ?? '0',
        events: readNdjson<WireEvent>(response),
      };
    },
  };
}

/** Parses a newline-delimited JSON body as it streams in. */
async function* readNdjson<T>(response: Response): AsyncGenerator<T> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let start = 0;
    let newline: number;
    while ((newline = buffered.indexOf('\n', start)) >= 0) {
      const line = buffered.slice(start, newline);
      start = newline + 1;
      if (line) yield JSON.parse(line) as T;
    }
    buffered = buffered.slice(start);
  }
  buffered += decoder.decode();
  if (buffered.trim()) yield JSON.parse(buffered) as T;
}
