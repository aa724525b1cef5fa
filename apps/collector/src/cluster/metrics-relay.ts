import cluster, { type Worker } from 'node:cluster';
import type { Registry } from 'prom-client';
import { MetricsGathering, type RelayMessage, relayedMetrics } from '../metrics-relay.ts';

/**
 * A cluster's scrapes (`src/metrics-relay.ts`): the process that was asked relays to the primary over IPC, and the
 * primary sums the processes that listen.
 */

/** This process's metrics text; in a cluster worker, the whole cluster's (asked of the primary). */
export function metricsSource(registry: Registry): () => Promise<string> {
  if (!cluster.isWorker) return () => registry.metrics();
  const channel = {
    send: (message: RelayMessage) => process.send?.(message),
    listen: (listener: (message: unknown) => void) => process.on('message', listener),
  };
  return relayedMetrics(registry, channel, 'the primary');
}

/** In the primary: answers each relayed scrape with the sum over the serving processes. */
export function answerMetricsRelays(): void {
  const serving = new Set<Worker>();
  const gathering = new MetricsGathering<Worker>({
    members: () => [...serving].filter((worker) => worker.isConnected()),
    send: (worker, message) => {
      if (worker.isConnected()) worker.send(message);
    },
    serving: {
      name: 'tern_collector_processes',
      help: 'Collector processes serving requests (in a cluster; the sums above cover these)',
    },
  });
  cluster.on('listening', (worker) => serving.add(worker));
  cluster.on('exit', (worker) => {
    serving.delete(worker);
    gathering.left(worker);
  });
  cluster.on('message', (worker, message: unknown) => gathering.received(worker, message));
}
