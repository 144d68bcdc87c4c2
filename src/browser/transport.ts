/**
 * The only module that talks to the network. Bodies are `text/plain` strings, which keeps every
 * request CORS-simple (no preflight) and lets `sendBeacon` send them at page hide.
 */
import { report } from './report';

/** The collector's status (0 on a network error) and its `Retry-After` header. */
export type Reply = [status: number, retryAfter: string | null];

/** What the sender needs of the network: `postBody` and `beaconBody` below, or a test's fakes. */
export interface Transport {
  postBody: typeof postBody;
  beaconBody: typeof beaconBody;
}

/**
 * POSTs `body`; `keepalive` lets the request outlive the page (bodies up to 64 KB in flight).
 *
 * Every response body is cancelled unread: only the status and `Retry-After` matter. A keepalive
 * request counts against the page's 64 KB until its response body ends
 * (https://fetch.spec.whatwg.org/#http-network-or-cache-fetch), and Chromium leaves a body it
 * may not cache (`Cache-Control: no-store`, which many collectors and proxies send) unread for
 * the page to read: unreleased, the budget is spent after about 64 KB, and every later request
 * and beacon of the page fails (https://github.com/open-telemetry/opentelemetry-js/issues/7001).
 * Cancelling releases it at once (Chromium 156); reading it would wait for the body's last byte.
 * A cancel that fails (the body already errored) is only warned about; a response that cannot
 * even be cancelled (a page's fetch wrapper without streams) counts as a network error, retried.
 */
export const postBody = (url: string, body: string, keepalive: boolean): Promise<Reply> =>
  fetch(url, { method: 'POST', body, keepalive })
    .then((response): Reply => {
      response.body?.cancel().catch(report);
      return [response.status, response.headers.get('Retry-After')];
    })
    .catch((): Reply => [0, null]);

/** Queues `body` with `sendBeacon`; false when the browser refuses it (quota, size, no API). */
export const beaconBody = (url: string, body: string): boolean => {
  try {
    return navigator.sendBeacon(url, body);
  } catch {
    return false;
  }
};
