/**
 * What runs in the background of every collector node (README "Abandonment", "Webhooks"): a
 * tick decides idle sessions of each site, looks at new conversions, and sends the webhooks
 * that are due. Every step claims its rows in the database, so any number of nodes may tick at
 * once; each tick does a bounded amount of work (one batch per step), whatever is stored.
 *
 * The clock is injected: `tick(now)` runs as if it were `now`, so tests move time instead of
 * waiting for 30 minutes. Signature timestamps alone use the wall clock (the receiver checks them
 * against its own).
 */
import type { Logger } from '../observe/logger';
import type { Site, SiteRegistry } from '../sites';
import type { DetectionReport } from '../store/lifecycle-store';
import type { DeliveryChange } from '../store/engine';
import type { Store } from '../store/store';
import { StoreUnavailableError } from '../store/engine';
import { DETECTION_BATCH } from '../domain/lifecycle';
import { LEASE_MARGIN_MS, nextAttempt, retryAfterMs } from '../domain/webhook-schedule';
import type { WebhookDelivery } from '../domain/webhook-events';
import { attemptDelivery } from './webhook-sender';

/** Attempts of one node running at once. */
const SENDS_AT_ONCE = 16;

export interface AutomationOptions {
  store: Store;
  sites: () => SiteRegistry;
  logger?: Logger;
  /** The clock of scheduled work. @default Date.now */
  now?: () => number;
  /** Between two ticks of the timer. @default 5000 */
  intervalMs?: number;
  /** A receiver that has not answered by then failed this attempt. @default 10000 */
  requestTimeoutMs?: number;
  /** Deliveries claimed (and sent at once) per tick. @default 50 */
  deliveriesPerTick?: number;
  /** For the jitter of retries. @default Math.random */
  random?: () => number;
}

export interface TickReport {
  detection: DetectionReport;
  conversions: number;
  /** Attempts made, and how many were acknowledged. */
  attempted: number;
  delivered: number;
}

export interface Automation {
  /** One round of every step, as of `now`; resolves when its webhooks' attempts ended. */
  tick(now?: number): Promise<TickReport>;
  /** Ticks on a timer until `stop()`. */
  start(): void;
  /** Stops the timer and waits for a running tick. */
  stop(): Promise<void>;
}

export function createAutomation(options: AutomationOptions): Automation {
  const { store, sites, logger } = options;
  const clock = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 5000;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const perTick = options.deliveriesPerTick ?? 50;
  const random = options.random ?? Math.random;

  const endpointsOf = (site: string) => sites().byId(site)?.webhooks ?? [];

  /** One attempt (or its suppression); resolves the change to record. */
  const deliver = async (delivery: WebhookDelivery, now: number): Promise<DeliveryChange> => {
    const site: Site | undefined = sites().byId(delivery.site);
    const endpoint = site?.webhooks.find((candidate) => candidate.url == delivery.url);
    if (!endpoint) return { state: 'dead', next_at: now, last_status: null, last_error: 'the receiver is no longer in the sites file', delivered_at: null };
    const suppressed = await store.lifecycle.suppressionNow(delivery);
    if (suppressed) return { state: 'suppressed', next_at: now, last_status: null, last_error: suppressed, delivered_at: null };
    const outcome = await attemptDelivery(delivery, endpoint.secret, { timeoutMs });
    if (outcome.acknowledged) return { state: 'delivered', next_at: now, last_status: outcome.status, last_error: null, delivered_at: now };
    const next = nextAttempt({ attempt: delivery.attempts, deadline: delivery.deadline, now, retryAfter: retryAfterMs(outcome.retryAfter, now) }, random);
    return next == 'dead'
      ? { state: 'dead', next_at: now, last_status: outcome.status, last_error: `${outcome.error}; gave up after ${delivery.attempts} attempts`, delivered_at: null }
      : { state: 'pending', next_at: next, last_status: outcome.status, last_error: outcome.error ?? null, delivered_at: null };
  };

  const tick = async (now = clock()): Promise<TickReport> => {
    const report: TickReport = { detection: { decided: 0, states: {}, deliveries: 0 }, conversions: 0, attempted: 0, delivered: 0 };
    for (const site of sites().all()) {
      const detected = await store.lifecycle.detectAbandonments(
        { id: site.id, bufferMs: site.abandonment_minutes * 60_000, endpoints: site.webhooks, secret: site.secret },
        now,
      );
      report.detection.decided += detected.decided;
      report.detection.deliveries += detected.deliveries;
      for (const [state, count] of Object.entries(detected.states))
        report.detection.states[state as keyof DetectionReport['states']] = (report.detection.states[state as keyof DetectionReport['states']] ?? 0) + count;
    }
    report.conversions = await store.lifecycle.noteConversions(endpointsOf, now);
    const due = await store.lifecycle.claimDeliveries(now, now + timeoutMs + LEASE_MARGIN_MS, perTick);
    // A few at a time: each attempt reads the database, and a node's pool is small.
    const outcomes: { delivery: WebhookDelivery; change: DeliveryChange }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(SENDS_AT_ONCE, due.length) }, async () => {
        while (next < due.length) {
          const delivery = due[next++];
          try {
            outcomes.push({ delivery, change: await deliver(delivery, now) });
          } catch (error) {
            logger?.warn({ err: error }, 'webhook delivery could not be checked; it is tried again when its lease ends');
          }
        }
      }),
    );
    // One commit for every outcome of the tick. Should it fail, the leases end and the attempts are made again (at least once).
    await store.lifecycle.finishDeliveries(outcomes, now);
    report.attempted = due.length;
    report.delivered = outcomes.filter(({ change }) => change.state == 'delivered').length;
    return report;
  };

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const loop = (): void => {
    let full = false;
    running = tick()
      // A tick that found a full batch leaves more behind: the next one starts at once (each stays bounded).
      .then((report) => void (full = report.attempted >= perTick || report.detection.decided >= DETECTION_BATCH || report.conversions >= DETECTION_BATCH))
      .catch((error) => {
        // The database away is expected now and then (the next tick tries again); anything else is a bug worth a line.
        if (error instanceof StoreUnavailableError) logger?.debug({ problem: error.message }, 'automation tick skipped: storage unavailable');
        else logger?.error({ err: error }, 'automation tick failed');
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, full ? 0 : intervalMs).unref();
      });
  };

  return {
    tick,
    start() {
      stopped = false;
      timer = setTimeout(loop, intervalMs).unref();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
