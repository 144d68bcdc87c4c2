/**
 * What a handler learned about a request that the request log wants: the site it was for and,
 * for a refusal, the reason it gave. Kept beside the response (a WeakMap, so nothing leaks when
 * a response is gone) instead of threading a context through every handler.
 */
import type { ServerResponse } from 'node:http';

export interface RequestNotes {
  site?: string;
  reason?: string;
}

const notes = new WeakMap<ServerResponse, RequestNotes>();

const notesFor = (res: ServerResponse): RequestNotes => {
  let found = notes.get(res);
  if (!found) notes.set(res, (found = {}));
  return found;
};

export const noteSite = (res: ServerResponse, site: string): void => void (notesFor(res).site = site);
export const noteReason = (res: ServerResponse, reason: string): void => void (notesFor(res).reason = reason);
export const notesOf = (res: ServerResponse): RequestNotes => notes.get(res) ?? {};
