/**
 * Prometheus metrics (prom-client), one registry per collector (tests run several in one
 * process): events accepted, duplicates and refused by reason per site, beacon request and store
 * commit latency, HTTP answers by kind of endpoint and status, and the process's own metrics.
 * Label values come from small fixed sets (configured sites, reason classes), never from input.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Which part of the collector answered: a bounded label. */
export type EndpointKind = 'beacon' | 'rest' | 'dialect' | 'dashboard' | 'static' | 'health' | 'metrics' | 'other';

export interface CollectorMetrics {
  readonly registry: Registry;
  eventsAccepted(site: string, count: number): void;
  eventsDuplicate(site: string, count: number): void;
  /** Refused events or batches, by the class of their reason. */
  eventsRefused(site: string, reason: string, count?: number): void;
  beaconSeconds(seconds: number): void;
  commitSeconds(seconds: number): void;
  answered(kind: EndpointKind, status: number): void;
}

/**
 * The class of a refusal reason: the field or rule it names before ":" ("type: unknown type" →
 * "type"), or the first words of a sentence, reduced to a short identifier.
 */
export function reasonClass(reason: string): string {
  const head = reason.includes(':') ? reason.slice(0, reason.indexOf(':')) : reason.split(/\s+/).slice(0, 2).join('_');
  const id = head.toLowerCase().replace(/\[\d+\]/g, '').replace(/[^a-z0-9_.]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
  return id || 'other';
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(): CollectorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const accepted = new Counter({ name: 'rejoiner_events_accepted_total', help: 'Events stored, by site', labelNames: ['site'], registers: [registry] });
  const duplicates = new Counter({ name: 'rejoiner_events_duplicate_total', help: 'Events received again and not stored twice, by site', labelNames: ['site'], registers: [registry] });
  const refused = new Counter({
    name: 'rejoiner_events_refused_total',
    help: 'Events (or whole batches) refused, by site and reason class',
    labelNames: ['site', 'reason'],
    registers: [registry],
  });
  const beacon = new Histogram({ name: 'rejoiner_beacon_duration_seconds', help: 'Beacon requests, from arrival to answer', buckets: LATENCY_BUCKETS, registers: [registry] });
  const commit = new Histogram({ name: 'rejoiner_store_commit_duration_seconds', help: 'Beacon batches, from hand-over to durable commit', buckets: LATENCY_BUCKETS, registers: [registry] });
  const answers = new Counter({ name: 'rejoiner_http_responses_total', help: 'HTTP answers by endpoint kind and status code', labelNames: ['kind', 'status'], registers: [registry] });
  return {
    registry,
    eventsAccepted: (site, count) => count && accepted.inc({ site }, count),
    eventsDuplicate: (site, count) => count && duplicates.inc({ site }, count),
    eventsRefused: (site, reason, count = 1) => count && refused.inc({ site, reason: reasonClass(reason) }, count),
    beaconSeconds: (seconds) => beacon.observe(seconds),
    commitSeconds: (seconds) => commit.observe(seconds),
    answered: (kind, status) => answers.inc({ kind, status: String(status) }),
  };
}
