import type { MessagePort, Worker } from 'node:worker_threads';
import type { Registry } from 'prom-client';
import { withDeadline } from '../deadline.ts';
import { type MetricsJson, sumOfCollectors } from '../metrics.ts';
import type { FromCollectorThread, ToCollectorThread } from './messages.ts';

/**
 * `GET /metrics` reaches one collector thread, but a scrape must see the whole collector, as with processes
 * (`src/cluster/metrics-relay.ts`). A thread relays the scrape to the main thread, which sums its own metrics and
 * every listening thread's. The process's own figures (`process_*`: CPU, RSS, descriptors) are the same whichever
 * thread reads them, so only the main thread's count.
 */
const TIMEOUT_MS = 5_000;

export class ThreadMetricsError extends Error {
  override readonly name = 'ThreadMetricsError';
}

const SERVING = {
  name: 'tern_collector_threads',
  help: 'Collector threads serving requests in this process (the sums above cover these)',
};

/** In the main thread: gathers and sums the metrics of itself and of the threads that listen. */
export class ThreadMetrics {
  readonly #listening = new Set<Worker>();
  readonly #gathering = new Map<number, (worker: Worker, metrics: MetricsJson) => void>();
  #nextId = 0;

  listening(worker: Worker): void {
    this.#listening.add(worker);
  }

  exited(worker: Worker): void {
    this.#listening.delete(worker);
    // A scrape waiting on it would otherwise wait for its deadline.
    for (const settle of this.#gathering.values()) settle(worker, []);
  }

  /** The whole collector's metrics text, given the main thread's registry. */
  async gather(own: Registry): Promise<string> {
    const id = this.#nextId++;
    const asked = [...this.#listening];
    const parts = new Map<Worker, MetricsJson>();
    const all = new Promise<MetricsJson[]>((resolve) => {
      const settle = (worker: Worker, metrics: MetricsJson) => {
        if (!asked.includes(worker) || parts.has(worker)) return;
        parts.set(
          worker,
          metrics.filter((metric) => !metric.name.startsWith('tern_collector_process_')),
        );
        if (parts.size === asked.length) resolve([...parts.values()]);
      };
      this.#gathering.set(id, settle);
      if (asked.length === 0) resolve([]);
      for (const worker of asked) worker.postMessage({ type: 'metrics-gather', id } satisfies ToCollectorThread);
    });
    try {
      const threads = await withDeadline(
        all,
        TIMEOUT_MS,
        () => new ThreadMetricsError('no metrics from every thread in time'),
      );
      return await sumOfCollectors([await own.getMetricsAsJSON(), ...threads], SERVING);
    } finally {
      this.#gathering.delete(id);
    }
  }

  /** A message from `worker`: a part of a gathering, or a scrape it relays. */
  handle(worker: Worker, message: FromCollectorThread, own: Registry): void {
    if (message.type === 'metrics-part') {
      this.#gathering.get(message.id)?.(worker, message.metrics);
    } else if (message.type === 'metrics-request') {
      const reply = (answer: { text?: string; error?: string }) =>
        worker.postMessage({ type: 'metrics-response', id: message.id, ...answer } satisfies ToCollectorThread);
      this.gather(own).then(
        (text) => reply({ text }),
        (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
      );
    }
  }
}

/** In a collector thread: its scrapes are answered by the main thread; its own metrics go there when asked. */
export function relayMetrics(port: MessagePort): (registry: Registry) => () => Promise<string> {
  return (registry) => {
    const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
    let nextId = 0;
    port.on('message', (message: ToCollectorThread) => {
      if (message.type === 'metrics-gather') {
        registry
          .getMetricsAsJSON()
          .then((metrics) =>
            port.postMessage({ type: 'metrics-part', id: message.id, metrics } satisfies FromCollectorThread),
          );
      } else if (message.type === 'metrics-response') {
        const pending = waiting.get(message.id);
        waiting.delete(message.id);
        if (message.text !== undefined) pending?.resolve(message.text);
        else pending?.reject(new ThreadMetricsError(`the main thread could not gather metrics: ${message.error}`));
      }
    });
    return () => {
      const id = nextId++;
      const answer = new Promise<string>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        port.postMessage({ type: 'metrics-request', id } satisfies FromCollectorThread);
      });
      return withDeadline(
        answer,
        TIMEOUT_MS,
        () => new ThreadMetricsError('no metrics from the main thread in time'),
      ).finally(() => waiting.delete(id));
    };
  };
}
