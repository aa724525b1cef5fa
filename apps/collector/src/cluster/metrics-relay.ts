import cluster, { type Worker } from 'node:cluster';
import type { Registry } from 'prom-client';
import { withDeadline } from '../deadline.ts';
import { type MetricsJson, sumOfCollectors } from '../metrics.ts';

/**
 * `GET /metrics` in a cluster reaches one process, but a scrape must see the whole collector. The process that was
 * asked relays to the primary, which gathers every serving process's metrics and sums them with prom-client's
 * `AggregatorRegistry.aggregate` (counters and histograms per label set). Only processes that listen are asked: one
 * still connecting to Kafka has nothing to count and would hold every scrape until it is ready.
 */
type RelayMessage =
  | { type: 'tern:metrics-request'; id: number }
  | { type: 'tern:metrics-response'; id: number; text?: string; error?: string }
  | { type: 'tern:metrics-gather'; id: number }
  | { type: 'tern:metrics-part'; id: number; metrics: MetricsJson };

const TIMEOUT_MS = 5_000;

export class MetricsRelayError extends Error {
  override readonly name = 'MetricsRelayError';
}

const timedOut = (what: string) => new MetricsRelayError(`no ${what} within ${TIMEOUT_MS} ms`);

const isRelayMessage = (message: unknown): message is RelayMessage =>
  typeof message === 'object' &&
  message !== null &&
  String((message as { type?: unknown }).type).startsWith('tern:metrics-');

/** This process's metrics text; in a cluster worker, the whole cluster's (asked of the primary). */
export function metricsSource(registry: Registry): () => Promise<string> {
  if (!cluster.isWorker) return () => registry.metrics();
  const send = (message: RelayMessage) => process.send?.(message);
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  process.on('message', (message: unknown) => {
    if (!isRelayMessage(message)) return;
    if (message.type === 'tern:metrics-gather') {
      registry.getMetricsAsJSON().then((metrics) => send({ type: 'tern:metrics-part', id: message.id, metrics }));
    } else if (message.type === 'tern:metrics-response') {
      const pending = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.text !== undefined) pending?.resolve(message.text);
      else pending?.reject(new MetricsRelayError(`the primary could not gather metrics: ${message.error}`));
    }
  });
  return () => {
    const id = nextId++;
    const answer = new Promise<string>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      send({ type: 'tern:metrics-request', id });
    });
    return withDeadline(answer, TIMEOUT_MS, () => timedOut('metrics from the primary')).finally(() =>
      waiting.delete(id),
    );
  };
}

/** In the primary: answers each relayed scrape with the sum over the serving processes. */
export function answerMetricsRelays(): void {
  const serving = new Set<Worker>();
  const gathering = new Map<number, (worker: Worker, metrics: MetricsJson) => void>();
  let nextId = 0;

  const gather = () => {
    const id = nextId++;
    const asked = [...serving].filter((worker) => worker.isConnected());
    const parts = new Map<Worker, MetricsJson>();
    const summed = new Promise<string>((resolve, reject) => {
      gathering.set(id, (worker, metrics) => {
        parts.set(worker, metrics);
        if (parts.size < asked.length) return;
        sumOfCollectors([...parts.values()], {
          name: 'tern_collector_processes',
          help: 'Collector processes serving requests (in a cluster; the sums above cover these)',
        }).then(resolve, reject);
      });
      for (const worker of asked) worker.send({ type: 'tern:metrics-gather', id } satisfies RelayMessage);
    });
    return withDeadline(summed, TIMEOUT_MS, () => timedOut('metrics from every collector process')).finally(() =>
      gathering.delete(id),
    );
  };

  cluster.on('listening', (worker) => serving.add(worker));
  cluster.on('exit', (worker) => serving.delete(worker));
  cluster.on('message', (worker, message: unknown) => {
    if (!isRelayMessage(message)) return;
    if (message.type === 'tern:metrics-part') gathering.get(message.id)?.(worker, message.metrics);
    else if (message.type === 'tern:metrics-request') {
      const reply = (answer: { text?: string; error?: string }) => {
        if (worker.isConnected()) worker.send({ type: 'tern:metrics-response', id: message.id, ...answer });
      };
      gather().then(
        (text) => reply({ text }),
        (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
      );
    }
  });
}
