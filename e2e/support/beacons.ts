/** Reads what the test server received, per site id. */
import type { TestInfo } from '@playwright/test';
import type { Batch, WireEvent } from '../../src/protocol/types';

export const BASE = `http://127.0.0.1:${Number(process.env.E2E_PORT) || 4317}`;

export interface Received {
  at: number;
  port: number;
  contentType: string;
  origin: string;
  bytes: number;
  status: number;
  body: Batch;
}

let counter = 0;
/** A site id of its own for each test, so parallel tests never share beacons. */
export const siteFor = (info: TestInfo): string =>
  `t${info.project.name.slice(0, 2)}${info.workerIndex}x${Date.now().toString(36)}${(counter++).toString(36)}`;

export const received = async (site: string): Promise<Received[]> =>
  (await fetch(`${BASE}/__beacons/${site}`)).json() as Promise<Received[]>;

/** The product id prefix of the marker events `settle` (settle.ts) pushes. */
export const SETTLE_MARKER = '__settle__';
const isMarker = (event: WireEvent) =>
  event.type == 'product_view' && String((event.data as { product_id?: string }).product_id).startsWith(SETTLE_MARKER);

/** Every event the server answered 200 for, in arrival order (`settle`'s markers left out). */
export const delivered = async (site: string): Promise<WireEvent[]> =>
  (await received(site))
    .filter((r) => r.status == 200)
    .flatMap((r) => r.body.events)
    .filter((event) => !isMarker(event));

/** Waits until `check` passes on the delivered events, then returns them. */
export async function waitForEvents(
  site: string,
  check: (events: WireEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<WireEvent[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const events = await delivered(site);
    if (check(events)) return events;
    if (Date.now() > until)
      throw new Error(`timed out; delivered: ${JSON.stringify(events.map((e) => e.type))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Scripts faults for a site's next beacons. */
export const scriptFaults = async (
  site: string,
  script: { steps: (number | 'abort' | 'ok')[]; retryAfter?: string; maxBytes?: number; delayMs?: number },
) => {
  await fetch(`${BASE}/__script/${site}`, { method: 'POST', body: JSON.stringify(script) });
};

export const ofType = (events: WireEvent[], type: string) => events.filter((e) => e.type == type);
