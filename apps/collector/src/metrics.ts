import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one collector process; labels never carry visitor data. */
export function createCollectorMetrics(queueDepth: () => number) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tern_collector_' });
  return {
    registry,
    requests: new Counter({
      name: 'tern_collector_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    accepted: new Counter({
      name: 'tern_collector_events_accepted_total',
      help: 'Events written to the events topic',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'tern_collector_events_rejected_total',
      help: 'Events refused, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'tern_collector_events_dropped_total',
      help: 'Events answered 202 but not kept (unknown site, bot), by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    connections: new Counter({
      name: 'tern_collector_connections_total',
      help: 'Client connections accepted, by collector thread (its threadId; 0 is the main thread)',
      labelNames: ['thread'] as const,
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'tern_collector_request_seconds',
      help: 'Time from a request being read until its answer was written, by route',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    produceLatency: new Histogram({
      name: 'tern_collector_produce_seconds',
      help: 'Time from a request being ready to produce until the log acknowledged it',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'tern_collector_queue_depth',
      help: 'Events waiting for or in a produce call',
      registers: [registry],
      // Read at each scrape, so a cluster's sum covers every process, not only the one that was asked.
      collect() {
        this.set(queueDepth());
      },
    }),
  };
}
export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;

/** One collector's metrics as prom-client serialises them, to be summed with others'. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/**
 * The metrics text of several collectors (processes or threads) as one: prom-client's `AggregatorRegistry.aggregate`
 * sums counters and histograms per label set. `serving` names a gauge of how many were summed.
 */
export function sumOfCollectors(parts: MetricsJson[], serving: { name: string; help: string }): Promise<string> {
  const sum = AggregatorRegistry.aggregate(parts);
  new Gauge({ ...serving, registers: [sum] }).set(parts.length);
  return sum.metrics();
}
