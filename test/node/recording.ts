/**
 * Helpers of the server client tests: a fetch that records what the client hands it before the
 * real fetch sends it, and a check that a recorded signature covers exactly that request.
 */
import { isValidSignature } from '../../src/node/sign';

export interface RecordedRequest {
  method: string;
  url: URL;
  /** The request target as sent: path and query. */
  target: string;
  headers: Headers;
  body: Uint8Array;
}

/** A fetch that records each request, then sends it with the real fetch. */
export function recordingFetch(): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const recording: typeof fetch = async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const body = init?.body;
    const bytes =
      body == null ? new Uint8Array() : typeof body == 'string' ? new TextEncoder().encode(body) : body instanceof Uint8Array ? body : undefined;
    if (!bytes) throw new Error('the client sent a body of an unexpected kind');
    requests.push({ method: init?.method ?? 'GET', url, target: url.pathname + url.search, headers: new Headers(init?.headers), body: bytes });
    return fetch(input, init);
  };
  return { fetch: recording, requests };
}

/** The key of a signed request whose signature covers exactly its method, target and body; undefined otherwise. */
export function signedKey(request: { method: string; target: string; body: Uint8Array; authorization: string | null }, secret: string): string | undefined {
  const match = /^Rejoiner ([^\s:]+):(\S+)$/.exec(request.authorization ?? '');
  return match && isValidSignature(secret, request.method, request.target, request.body, match[2]) ? match[1] : undefined;
}
