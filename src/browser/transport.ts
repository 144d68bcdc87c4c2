/**
 * The only module that talks to the network. Bodies are `text/plain` strings, which keeps every
 * request CORS-simple (no preflight) and lets `sendBeacon` send them at page hide.
 */

/** The collector's status (0 on a network error) and its `Retry-After` header. */
export type Reply = [status: number, retryAfter: string | null];

/** POSTs `body`; `keepalive` lets the request outlive the page (bodies up to 64 KB only). */
export const postBody = (url: string, body: string, keepalive: boolean): Promise<Reply> =>
  fetch(url, { method: 'POST', body, keepalive }).then(
    (response): Reply => [response.status, response.headers.get('Retry-After')],
    (): Reply => [0, null],
  );

/** Queues `body` with `sendBeacon`; false when the browser refuses it (quota, size, no API). */
export const beaconBody = (url: string, body: string): boolean => {
  try {
    return navigator.sendBeacon(url, body);
  } catch {
    return false;
  }
};
