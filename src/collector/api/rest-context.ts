/**
 * What a REST handler gets: the checked request (site, captured path parts, query, parsed JSON
 * body), the store, and the answers it may give. Handlers validate their own body and answer
 * through `res`; nothing here talks to storage.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { reply, replyError, replyJson } from '../http/http-io';
import type { Site } from '../sites';
import type { Store } from '../store/store';

export interface RestContext {
  req: IncomingMessage;
  res: ServerResponse;
  store: Store;
  site: Site;
  /** Path parts the route captured (percent-decoded). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body; undefined for GET. */
  body: unknown;
  /** "https://host" as the client reached us, for links in paged answers. */
  origin: string;
  /** The request path (without query), for links in paged answers. */
  path: string;
}

export type RestHandlerFn = (context: RestContext) => Promise<void>;

export const ok = (context: RestContext, value: unknown, status = 200): void => replyJson(context.res, status, value);
export const empty = (context: RestContext, status = 200): void => reply(context.res, status);
export const fail = (context: RestContext, status: number, reason: string): void => replyError(context.res, status, reason);

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value == 'object' && value != null && !Array.isArray(value);
