/**
 * A typed client of both REST generations (REJOINER-API.md), for the merchant's backend: REST 1.0
 * under `/api/1.0/site/{site}/` and Rejoiner2 under `/api/v1/{site}/` and `/api/v2/{site}/`.
 * Signed requests are signed with `sign()` over exactly the path, query and body bytes they
 * send; bearer requests carry `Authorization: Rejoiner TOKEN`. The only module of the server
 * client that talks to the network.
 */
import type { WireEvent } from '../protocol/types';
import { authorizationHeader } from './sign';
import type {
  AddedListContact,
  ContactAddInput,
  CustomerConvertInput,
  CustomerConvertResult,
  CustomerFields,
  CustomerJson,
  ExportOptions,
  ExtraFields,
  IterateOptions,
  JourneyWebhookInput,
  LeadConvertInput,
  ListContact,
  ListContactInput,
  MailingList,
  Page,
  PageOptions,
  PingResult,
  PreferenceTagsJson,
  RejoinerApi,
  RejoinerAuth,
  RejoinerClientOptions,
  SessionAnnotationInput,
  SessionJson,
  TagOptions,
  TagsJson,
} from './types';

export type { RejoinerClientOptions } from './types';

/**
 * A non-2xx answer (redirects included: they are not followed), or a 2xx answer whose body is
 * not the JSON expected. `body` is the response text (the collector puts `{"error": reason}`
 * there); `path` is the request target as sent.
 */
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

/** A method that the client's API generation does not have: nothing was sent. */
export class RejoinerUnsupportedError extends Error {
  constructor(
    /** The client method called, e.g. "cancelLead". */
    readonly operation: string,
    /** The generation the client speaks. */
    readonly api: RejoinerApi,
    message: string,
  ) {
    super(message);
    this.name = 'RejoinerUnsupportedError';
  }
}

/** A streamed export: the cursor to resume from, and the events, oldest first. */
export interface EventExport {
  nextCursor: string;
  events: AsyncIterable<WireEvent>;
}

/**
 * Every endpoint of both generations. Which client may call what:
 * - REST 1.0 only (`api: 'rest1'`, signed): `convertLead`, `cancelLead`, `optInLead`,
 *   `unsubscribeLead`, `addContact`.
 * - Both generations: `getLists`, `iterateLists` (REST 1.0 `lists`, Rejoiner2 `lists/`; the
 *   same paged answer).
 * - Rejoiner2 only (`api: 'v1'` or `'v2'`, signed or bearer): the rest.
 *
 * Calling a method of another generation rejects with `RejoinerUnsupportedError` before any
 * request. Within Rejoiner2, the endpoints Rejoiner documents for one version only go to that
 * version's base whatever `api` says (the collector answers the same on both, and this way the
 * client also works against a server that follows Rejoiner's documentation): `getCustomer` and
 * `updateCustomer` to `/api/v1/`, `getCustomerByEmail`, `getCustomerByPhone` and the tag
 * methods to `/api/v2/`. The others go to the version `api` names.
 *
 * Reads that resolve `null` on a 404 cannot tell an unknown id from a wrong `baseUrl` or
 * `siteId`; `ping()` once at start tells them apart.
 */
export interface RejoinerClient {
  // REST 1.0

  /** REST 1.0 `POST lead/convert` (seed 003): converts every open order of the email. */
  convertLead(input: LeadConvertInput): Promise<void>;
  /** REST 1.0 `POST lead/cancel`: stops the customer's journeys. */
  cancelLead(email: string): Promise<void>;
  /** REST 1.0 `POST lead/opt_in`: records explicit consent; `info` is kept (as strings) with it. */
  optInLead(email: string, info?: ExtraFields): Promise<void>;
  /** REST 1.0 `POST lead/unsubscribe`. */
  unsubscribeLead(email: string): Promise<void>;
  /**
   * REST 1.0 `POST contact_add`: adds the email to `list_id`, creating a list the site does not
   * have yet. REST 1.0 answers 200 whether the contact is new or not (its clients accept only
   * 200), so this says nothing about which; `getListContacts` does.
   */
  addContact(input: ContactAddInput): Promise<void>;

  // Both generations

  /** REST 1.0 `GET lists` or Rejoiner2 `GET lists/`: one page of the site's lists. */
  getLists(options?: PageOptions): Promise<Page<MailingList>>;
  /** Every list of the site, following the `next` links to the last page. */
  iterateLists(options?: IterateOptions): AsyncIterable<MailingList>;

  // Rejoiner2

  /** `GET ping/`: resolves when the credentials work (403 otherwise). */
  ping(): Promise<PingResult>;
  /** `POST customer/convert/`: converts the customer's latest open order. */
  customerConvert(input: CustomerConvertInput): Promise<CustomerConvertResult>;
  /** `POST customer/always_convert/`: converts even when nothing is waiting for a conversion. */
  customerAlwaysConvert(input: CustomerConvertInput): Promise<CustomerConvertResult>;
  /** `POST customer/cancel/`: stops the customer's active journeys. */
  cancel(email: string): Promise<CustomerJson>;
  /** `POST customer/unsubscribe/` */
  unsubscribe(email: string): Promise<CustomerJson>;
  /** `POST customer/opt_in/`: `info` is kept (as strings) with the consent record. */
  optIn(email: string, info?: ExtraFields): Promise<CustomerJson>;
  /** `GET /api/v1/{site}/customers/{id or email}/` (v1 is where Rejoiner documents it); null when there is no such customer. */
  getCustomer(idOrEmail: string): Promise<CustomerJson | null>;
  /** `GET /api/v2/{site}/customers/by_email/?email=`; null when there is no such customer. */
  getCustomerByEmail(email: string): Promise<CustomerJson | null>;
  /** `GET /api/v2/{site}/customers/by_phone/?phone=` with an E.164 number ("+15550102030"); null when there is none. */
  getCustomerByPhone(phone: string): Promise<CustomerJson | null>;
  /** `POST customers/`: creates the customer, or updates the one with that email (the v2 way to update). */
  createCustomer(fields: CustomerFields): Promise<CustomerJson>;
  /** `PUT /api/v1/{site}/customers/{id or email}/`: `metadata`, when given, replaces the stored one whole. */
  updateCustomer(idOrEmail: string, fields: CustomerFields): Promise<CustomerJson>;
  /** `GET /api/v2/{site}/customers/{id}/tags/`; null when there is no such customer. */
  getTags(customerId: string): Promise<string[] | null>;
  /** `PUT /api/v2/{site}/customers/{id}/tags/`: the customer's tags become `tags`; resolves them. */
  replaceTags(customerId: string, tags: string[], options?: TagOptions): Promise<string[]>;
  /** `PATCH /api/v2/{site}/customers/{id}/tags/`: adds `tags`; resolves all of them. */
  addTags(customerId: string, tags: string[], options?: TagOptions): Promise<string[]>;
  /** `PATCH /api/v2/{site}/customers/{id}/tags/remove/`: removes `tags`; resolves those left. */
  removeTags(customerId: string, tags: string[]): Promise<string[]>;
  /** `GET customers/preference_tags/by_email/?email=`; null when there is no such customer. */
  getPreferenceTags(email: string): Promise<string[] | null>;
  /** `PUT customers/preference_tags/by_email/?email=`: replaces them (an unknown email gets a customer). */
  replacePreferenceTags(email: string, preferenceTags: string[]): Promise<string[]>;
  /** `PATCH customers/preference_tags/by_email/?email=`: adds them (an unknown email gets a customer). */
  addPreferenceTags(email: string, preferenceTags: string[]): Promise<string[]>;
  /** `PATCH customers/preference_tags/remove/by_email/?email=`: removes them; resolves those left. */
  removePreferenceTags(email: string, preferenceTags: string[]): Promise<string[]>;
  /** `POST lists/`: creates a list; resolves it with its `id`. */
  createList(name: string): Promise<MailingList>;
  /** `GET lists/{id}/contacts/`: one page of the list's contacts; null when there is no such list. */
  getListContacts(listId: string, options?: PageOptions): Promise<Page<ListContact> | null>;
  /** Every contact of the list, following the `next` links to the last page (a 404 for an unknown list). */
  iterateListContacts(listId: string, options?: IterateOptions): AsyncIterable<ListContact>;
  /** `POST lists/{id}/contacts/`: adds the contact (fields besides email and first_name become `custom_fields`). */
  addListContact(listId: string, contact: ListContactInput): Promise<AddedListContact>;
  /** `POST lists/{id}/contacts/remove/`: removes the email from the list (a 404 when it was not on it). */
  removeListContact(listId: string, email: string): Promise<void>;
  /** `PUT sessions/{id}/`: annotates a tracked session (the session ids the snippet sends). */
  annotateSession(sessionId: string, annotation: SessionAnnotationInput): Promise<SessionJson>;
  /**
   * `POST journeys/{id}/webhook_trigger/`: starts a journey for the email. The collector keeps
   * no journeys and answers 404 (a `RejoinerApiError`); resolves Rejoiner's answer as parsed.
   */
  triggerJourney(journeyId: string, input: JourneyWebhookInput): Promise<unknown>;
  /** `POST journeys/{id}/nodes/{nid}/webhook_event_wait/`: resumes a waiting journey (the collector answers 404, as above). */
  resumeJourney(journeyId: string, nodeId: string, input: JourneyWebhookInput): Promise<unknown>;
  /** `GET segments/{id}/customers/`: one page of a segment's customers; null when there is no such segment (always, on the collector). */
  getSegmentCustomers(segmentId: string, options?: PageOptions): Promise<Page<CustomerJson> | null>;
  /** `GET events/` (the collector's own export): every stored event of the site, streamed. */
  exportEvents(options?: ExportOptions): Promise<EventExport>;
}

/** The REST 1.0 methods, which a Rejoiner2 client does not have. */
export type Rest1OnlyMethod = 'convertLead' | 'cancelLead' | 'optInLead' | 'unsubscribeLead' | 'addContact';
/** What a client with `api: 'rest1'` can call. */
export type Rest1Client = Pick<RejoinerClient, Rest1OnlyMethod | 'getLists' | 'iterateLists'>;
/** What a client with `api: 'v1'` or `'v2'` can call. */
export type Rejoiner2Client = Omit<RejoinerClient, Rest1OnlyMethod>;

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH';
type Base = RejoinerApi;
/**
 * Where an endpoint lives: REST 1.0 only; Rejoiner2 on the version Rejoiner documents it for
 * ("v1", "v2"); Rejoiner2 on the version the client speaks ("rejoiner2"); or both generations.
 */
type Home = 'rest1' | 'v1' | 'v2' | 'rejoiner2' | 'both';

interface Call {
  /** The client method, for errors. */
  operation: string;
  home: Home;
  method: HttpMethod;
  /** Relative to the base, already encoded; a function when it differs between bases. */
  path: string | ((base: Base) => string);
  /** "" or "?…", already encoded. */
  query?: string;
  body?: unknown;
}

const encoder = new TextEncoder();
const API_NAMES: Record<RejoinerApi, string> = { rest1: 'REST 1.0', v1: 'Rejoiner2 v1', v2: 'Rejoiner2 v2' };
/** A credential that fits in `Rejoiner KEY:SIGNATURE` or `Rejoiner TOKEN`. */
const CREDENTIAL = /^[^\s:]+$/;

/** One percent-encoded path segment; "", "." and ".." cannot be sent (URLs resolve them away). */
function segment(what: string, value: string): string {
  if (typeof value != 'string' || value === '' || value == '.' || value == '..')
    throw new TypeError(`${what}: ${JSON.stringify(value)} cannot be used in a URL path`);
  try {
    return encodeURIComponent(value);
  } catch {
    throw new TypeError(`${what}: not well-formed Unicode`);
  }
}

/** `?name=value` with the value encoded as a query component (`+` as %2B, `@` as %40). */
const queryOf = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

/** The query of a page request; a `next` link gives its own (page, page_size, cursor). */
const pageQuery = ({ page, pageSize, next }: PageOptions = {}): string =>
  next !== undefined ? new URL(next, 'http://link.invalid/').search : queryOf({ page, page_size: pageSize });

/** Checks the options; throws a TypeError naming what is wrong. */
function readOptions(options: RejoinerClientOptions) {
  const legacy = options.auth === undefined;
  const auth: RejoinerAuth = options.auth ?? { key: options.key as string, secret: options.secret as string };
  const api: RejoinerApi = options.api ?? (legacy ? 'v1' : 'v2');
  if (!(['rest1', 'v1', 'v2'] as unknown[]).includes(api)) throw new TypeError(`api: "rest1", "v1" or "v2", not ${JSON.stringify(api)}`);
  if ('token' in auth) {
    if (typeof auth.token != 'string' || !CREDENTIAL.test(auth.token)) throw new TypeError('auth.token: a non-empty string without spaces or ":"');
    if (api == 'rest1') throw new TypeError('REST 1.0 accepts only signed requests: give auth: { key, secret }, or use api: "v2" with a token');
  } else {
    if (typeof auth.key != 'string' || !CREDENTIAL.test(auth.key)) throw new TypeError('auth.key: a non-empty string without spaces or ":"');
    if (typeof auth.secret != 'string' || !auth.secret) throw new TypeError('auth.secret: a non-empty string');
  }
  let root: URL;
  try {
    root = new URL(options.baseUrl);
  } catch {
    throw new TypeError(`baseUrl: not a URL: ${JSON.stringify(options.baseUrl)}`);
  }
  if ((root.protocol != 'https:' && root.protocol != 'http:') || root.search || root.hash || root.username || root.password)
    throw new TypeError('baseUrl: an http(s) URL without query, fragment or user info');
  if (!root.pathname.endsWith('/')) root.pathname += '/';
  const site = segment('siteId', options.siteId);
  return {
    auth,
    api,
    /** Earlier versions sent REST 1.0 methods to /api/1.0 from the same client as the v1 ones. */
    reachesRest1: api == 'rest1' || (legacy && options.api === undefined),
    root,
    bases: { rest1: `api/1.0/site/${site}/`, v1: `api/v1/${site}/`, v2: `api/v2/${site}/` } as Record<Base, string>,
  };
}

/**
 * Creates a client; it keeps no state besides its options. Throws a TypeError for options it
 * cannot use (a bad `baseUrl`, an empty credential, a token with `api: 'rest1'`).
 */
export function createRejoinerClient(options: RejoinerClientOptions & { api: 'rest1' }): Rest1Client;
export function createRejoinerClient(options: RejoinerClientOptions & { api: 'v1' | 'v2' }): Rejoiner2Client;
export function createRejoinerClient(options: RejoinerClientOptions & { auth: RejoinerAuth; api?: undefined }): Rejoiner2Client;
export function createRejoinerClient(options: RejoinerClientOptions): RejoinerClient;
export function createRejoinerClient(options: RejoinerClientOptions): RejoinerClient {
  const { auth, api, reachesRest1, root, bases } = readOptions(options);
  const doFetch = options.fetch ?? globalThis.fetch;

  /** The base of a call, or the reason this client cannot make it. */
  const baseOf = ({ operation, home, method, path }: Call): Base => {
    const endpoint = `${method} ${typeof path == 'string' ? path : path(api)}`;
    if (home == 'both') return api;
    if (home == 'rest1') {
      if (reachesRest1) return 'rest1';
      throw new RejoinerUnsupportedError(
        operation,
        api,
        `${operation}: ${endpoint} is a REST 1.0 endpoint and this client speaks ${API_NAMES[api]}; create one with api: 'rest1' and auth: { key, secret }`,
      );
    }
    if (api == 'rest1')
      throw new RejoinerUnsupportedError(
        operation,
        api,
        `${operation}: ${endpoint} is a Rejoiner2 endpoint and this client speaks REST 1.0; create one with api: 'v2' (or 'v1')`,
      );
    return home == 'rejoiner2' ? api : home;
  };

  /** Sends a call; resolves the response and the request target as sent (and signed). */
  const send = async (call: Call): Promise<{ response: Response; target: string }> => {
    const base = baseOf(call);
    const path = typeof call.path == 'string' ? call.path : call.path(base);
    const url = new URL(bases[base] + path + (call.query ?? ''), root);
    // Exactly what goes on the wire: the URL parser has applied the base path and its own encoding.
    const target = url.pathname + url.search;
    const body = call.body === undefined ? undefined : encoder.encode(JSON.stringify(call.body));
    const headers: Record<string, string> = {
      authorization: 'token' in auth ? `Rejoiner ${auth.token}` : authorizationHeader(auth.key, auth.secret, call.method, target, body ?? ''),
    };
    if (body) headers['content-type'] = 'application/json';
    // A redirect is not followed: the credential must not travel to a URL the client was not given.
    const response = await doFetch(url, { method: call.method, headers, body, redirect: 'manual' });
    return { response, target };
  };

  const failure = async (call: Call, response: Response, target: string): Promise<RejoinerApiError> =>
    new RejoinerApiError(response.status, await response.text().catch(() => ''), call.method, target);

  /** The JSON of a 2xx answer; anything else throws. */
  const parse = async <T>(call: Call, response: Response, target: string): Promise<T> => {
    if (!response.ok) throw await failure(call, response, target);
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new RejoinerApiError(response.status, text, call.method, target);
    }
  };

  const json = async <T>(call: Call): Promise<T> => {
    const { response, target } = await send(call);
    return parse<T>(call, response, target);
  };

  /** A read: null when the server answers 404 (no such customer, list, ...). */
  const read = async <T>(call: Call): Promise<T | null> => {
    const { response, target } = await send(call);
    if (response.status != 404) return parse<T>(call, response, target);
    await response.arrayBuffer().catch(() => undefined);
    return null;
  };

  /** An answer without a body (REST 1.0); resolves its status. */
  const empty = async (call: Call): Promise<number> => {
    const { response, target } = await send(call);
    if (!response.ok) throw await failure(call, response, target);
    await response.arrayBuffer();
    return response.status;
  };

  /** Every row of a paged listing: each `next` link's query, asked of this client's own base URL. */
  async function* iterate<T>(makeCall: () => Call, { pageSize }: IterateOptions = {}): AsyncGenerator<T> {
    const call = makeCall();
    let query = pageQuery({ pageSize });
    for (;;) {
      const page = await json<Page<T>>({ ...call, query });
      yield* page.results;
      if (page.next === null) return;
      const next = pageQuery({ next: page.next });
      if (next == query) throw new Error(`${call.operation}: the next link ${page.next} repeats the page just read`);
      query = next;
    }
  }

  const rest1 = (operation: string, path: string, body: unknown): Call => ({ operation, home: 'rest1', method: 'POST', path, body });
  const rejoiner2 = (operation: string, method: HttpMethod, path: string, body?: unknown, home: Home = 'rejoiner2'): Call => ({
    operation,
    home,
    method,
    path,
    body,
  });
  const lists = (operation: string): Call => ({
    operation,
    home: 'both',
    method: 'GET',
    path: (base) => (base == 'rest1' ? 'lists' : 'lists/'),
  });
  const contacts = (operation: string, listId: string): Call => ({
    operation,
    home: 'rejoiner2',
    method: 'GET',
    path: `lists/${segment('listId', listId)}/contacts/`,
  });
  const tagBody = (tags: string[], options: TagOptions = {}) =>
    options.startJourney === undefined ? { tags } : { tags, start_journey: options.startJourney };
  const preferences = (operation: string, method: HttpMethod, remove: boolean, email: string, body?: unknown): Call => ({
    ...rejoiner2(operation, method, `customers/preference_tags/${remove ? 'remove/' : ''}by_email/`, body),
    query: queryOf({ email }),
  });

  return {
    async convertLead(input) {
      await empty(rest1('convertLead', 'lead/convert', input));
    },
    async cancelLead(email) {
      await empty(rest1('cancelLead', 'lead/cancel', { email }));
    },
    async optInLead(email, info = {}) {
      await empty(rest1('optInLead', 'lead/opt_in', { ...info, email }));
    },
    async unsubscribeLead(email) {
      await empty(rest1('unsubscribeLead', 'lead/unsubscribe', { email }));
    },
    addContact: async (input) => {
      await empty(rest1('addContact', 'contact_add', input));
    },

    getLists: async (options) => json<Page<MailingList>>({ ...lists('getLists'), query: pageQuery(options) }),
    iterateLists: (options) => iterate<MailingList>(() => lists('iterateLists'), options),

    ping: async () => json<PingResult>(rejoiner2('ping', 'GET', 'ping/')),
    customerConvert: async (input) => json<CustomerConvertResult>(rejoiner2('customerConvert', 'POST', 'customer/convert/', input)),
    customerAlwaysConvert: async (input) =>
      json<CustomerConvertResult>(rejoiner2('customerAlwaysConvert', 'POST', 'customer/always_convert/', input)),
    cancel: async (email) => json<CustomerJson>(rejoiner2('cancel', 'POST', 'customer/cancel/', { email })),
    unsubscribe: async (email) => json<CustomerJson>(rejoiner2('unsubscribe', 'POST', 'customer/unsubscribe/', { email })),
    optIn: async (email, info = {}) => json<CustomerJson>(rejoiner2('optIn', 'POST', 'customer/opt_in/', { ...info, email })),
    getCustomer: async (idOrEmail) =>
      read<CustomerJson>(rejoiner2('getCustomer', 'GET', `customers/${segment('idOrEmail', idOrEmail)}/`, undefined, 'v1')),
    getCustomerByEmail: async (email) =>
      read<CustomerJson>({ ...rejoiner2('getCustomerByEmail', 'GET', 'customers/by_email/', undefined, 'v2'), query: queryOf({ email }) }),
    getCustomerByPhone: async (phone) =>
      read<CustomerJson>({ ...rejoiner2('getCustomerByPhone', 'GET', 'customers/by_phone/', undefined, 'v2'), query: queryOf({ phone }) }),
    createCustomer: async (fields) => json<CustomerJson>(rejoiner2('createCustomer', 'POST', 'customers/', fields)),
    updateCustomer: async (idOrEmail, fields) =>
      json<CustomerJson>(rejoiner2('updateCustomer', 'PUT', `customers/${segment('idOrEmail', idOrEmail)}/`, fields, 'v1')),

    async getTags(customerId) {
      const answer = await read<TagsJson>(rejoiner2('getTags', 'GET', `customers/${segment('customerId', customerId)}/tags/`, undefined, 'v2'));
      return answer && answer.tags;
    },
    replaceTags: async (customerId, tags, options) =>
      (await json<TagsJson>(rejoiner2('replaceTags', 'PUT', `customers/${segment('customerId', customerId)}/tags/`, tagBody(tags, options), 'v2'))).tags,
    addTags: async (customerId, tags, options) =>
      (await json<TagsJson>(rejoiner2('addTags', 'PATCH', `customers/${segment('customerId', customerId)}/tags/`, tagBody(tags, options), 'v2'))).tags,
    removeTags: async (customerId, tags) =>
      (await json<TagsJson>(rejoiner2('removeTags', 'PATCH', `customers/${segment('customerId', customerId)}/tags/remove/`, { tags }, 'v2'))).tags,

    async getPreferenceTags(email) {
      const answer = await read<PreferenceTagsJson>(preferences('getPreferenceTags', 'GET', false, email));
      return answer && answer.preference_tags;
    },
    replacePreferenceTags: async (email, preferenceTags) =>
      (await json<PreferenceTagsJson>(preferences('replacePreferenceTags', 'PUT', false, email, { preference_tags: preferenceTags }))).preference_tags,
    addPreferenceTags: async (email, preferenceTags) =>
      (await json<PreferenceTagsJson>(preferences('addPreferenceTags', 'PATCH', false, email, { preference_tags: preferenceTags }))).preference_tags,
    removePreferenceTags: async (email, preferenceTags) =>
      (await json<PreferenceTagsJson>(preferences('removePreferenceTags', 'PATCH', true, email, { preference_tags: preferenceTags }))).preference_tags,

    createList: async (name) => json<MailingList>(rejoiner2('createList', 'POST', 'lists/', { name })),
    getListContacts: async (listId, options) =>
      read<Page<ListContact>>({ ...contacts('getListContacts', listId), query: pageQuery(options) }),
    iterateListContacts: (listId, options) => iterate<ListContact>(() => contacts('iterateListContacts', listId), options),
    async addListContact(listId, contact) {
      const call = rejoiner2('addListContact', 'POST', `lists/${segment('listId', listId)}/contacts/`, contact);
      const { response, target } = await send(call);
      return { created: response.status == 201, contact: await parse<ListContact>(call, response, target) };
    },
    async removeListContact(listId, email) {
      await json<{ removed: true }>(rejoiner2('removeListContact', 'POST', `lists/${segment('listId', listId)}/contacts/remove/`, { email }));
    },

    annotateSession: async (sessionId, annotation) =>
      json<SessionJson>(rejoiner2('annotateSession', 'PUT', `sessions/${segment('sessionId', sessionId)}/`, annotation)),
    triggerJourney: async (journeyId, input) =>
      json<unknown>(rejoiner2('triggerJourney', 'POST', `journeys/${segment('journeyId', journeyId)}/webhook_trigger/`, input)),
    resumeJourney: async (journeyId, nodeId, input) =>
      json<unknown>(
        rejoiner2('resumeJourney', 'POST', `journeys/${segment('journeyId', journeyId)}/nodes/${segment('nodeId', nodeId)}/webhook_event_wait/`, input),
      ),
    getSegmentCustomers: async (segmentId, options) =>
      read<Page<CustomerJson>>(
        { ...rejoiner2('getSegmentCustomers', 'GET', `segments/${segment('segmentId', segmentId)}/customers/`), query: pageQuery(options) },
      ),

    async exportEvents({ after, limit } = {}) {
      const call = { ...rejoiner2('exportEvents', 'GET', 'events/'), query: queryOf({ after, limit }) };
      const { response, target } = await send(call);
      if (!response.ok) throw await failure(call, response, target);
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
