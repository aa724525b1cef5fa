import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type RunningCollector, startCollector } from '../collector.ts';
import type { CollectorConfig } from '../config.ts';
import { loadSharedLookups } from '../intake/prepare-deps.ts';
import { MetricsGathering } from '../metrics-relay.ts';
import { startWorkerThread } from '../worker-entry.ts';
import type { CollectorThreadData, FromCollectorThread, ToCollectorThread } from './messages.ts';
import { copyListeningSocket } from './socket-copies.ts';

/** A thread that exits is replaced after this pause, so a crash loop does not spin a core. */
const RESTART_DELAY_MS = 1_000;
/** More unplanned exits than this many per thread within a minute: the collector gives up and exits 1. */
const CRASHES_PER_THREAD_PER_MINUTE = 3;

export class CollectorThreadsError extends Error {
  override readonly name = 'CollectorThreadsError';
}

export interface RunningCollectorThreads extends RunningCollector {
  /** The threads running beside the main thread's collector, replacements included. */
  threads(): Worker[];
}

/**
 * COLLECTOR_THREADS > 1: that many whole collectors in one process, each on an event loop of its own, all accepting
 * on the one listening socket. The main thread runs one of them and supervises the others: it replaces a thread
 * that exits, sums the metrics of all of them, and stops them all with its own. Compared with as many processes
 * (COLLECTOR_PROCESSES), the threads share the Node runtime, the GeoIP database and the datacenter ranges, and no
 * primary sits idle beside them (bench/README.md).
 */
export async function startCollectorThreads(
  config: CollectorConfig,
  logger: Logger,
  onGiveUp: () => void,
): Promise<RunningCollectorThreads> {
  const lookups = loadSharedLookups({ geoDatabase: config.geoDatabase, datacenterCheck: config.datacenterCheck });
  const running = new Map<Worker, { listening: boolean }>();
  let ownRegistry: Registry | undefined;
  const metrics = new MetricsGathering<Worker>({
    members: () => [...running].filter(([, state]) => state.listening).map(([worker]) => worker),
    send: (worker, message) => worker.postMessage(message),
    own: () => (ownRegistry as Registry).getMetricsAsJSON(),
    // The process's own figures (CPU, RSS, descriptors) are the same whichever thread reads them.
    keep: (metric) => !metric.name.startsWith('tern_collector_process_'),
    serving: {
      name: 'tern_collector_threads',
      help: 'Collector threads serving requests in this process (the sums above cover these)',
    },
  });
  const own = await startCollector(config, {
    logger,
    lookups,
    metricsText: (registry) => {
      ownRegistry = registry;
      return () => metrics.gather();
    },
  });
  const exits = new Map<Worker, (code: number) => void>();
  const crashes: number[] = [];
  let stopping = false;

  const start = async (): Promise<void> => {
    const [fd] = await copyListeningSocket(own.server, 1);
    const data: CollectorThreadData = { config, fd: fd as number, lookups };
    const worker = startWorkerThread(import.meta.url, 'collector-thread', { workerData: data });
    const state = { listening: false };
    running.set(worker, state);
    worker.on('message', (message: FromCollectorThread) => {
      if (message.type === 'listening') state.listening = true;
      else metrics.received(worker, message);
    });
    worker.on('error', (error) => logger.error({ err: error }, 'collector thread failed'));
    worker.once('exit', (code) => {
      running.delete(worker);
      metrics.left(worker);
      exits.get(worker)?.(code);
      exits.delete(worker);
      if (!stopping) replaceLater({ code });
    });
  };

  /** Starts another thread a little later, unless threads keep failing: then the collector gives up. */
  const replaceLater = (why: { code?: number; err?: unknown }) => {
    const now = Date.now();
    crashes.push(now);
    while ((crashes[0] ?? now) < now - 60_000) crashes.shift();
    if (crashes.length > CRASHES_PER_THREAD_PER_MINUTE * (config.threads - 1)) {
      logger.fatal({ ...why, crashes: crashes.length }, 'collector threads keep failing');
      onGiveUp();
      return;
    }
    logger.error(why, 'collector thread exited or failed to start; starting another');
    setTimeout(() => {
      if (!stopping) start().catch((err: unknown) => replaceLater({ err }));
    }, RESTART_DELAY_MS).unref();
  };

  await Promise.all(Array.from({ length: config.threads - 1 }, () => start()));
  logger.info({ threads: config.threads }, 'collector threads started');

  return {
    ...own,
    threads: () => [...running.keys()],
    async stop() {
      if (stopping) return;
      stopping = true;
      const threads = [...running].map(([worker, { listening }]) => {
        const exited = new Promise<boolean>((resolve) =>
          // A thread still starting had acknowledged nothing: ended, it loses nothing.
          exits.set(worker, (code) => resolve(code === 0 || !listening)),
        );
        if (listening) worker.postMessage({ type: 'stop' } satisfies ToCollectorThread);
        else worker.terminate();
        return exited;
      });
      await own.stop();
      const clean = await Promise.all(threads);
      const failed = clean.filter((ok) => !ok).length;
      if (failed > 0) throw new CollectorThreadsError(`${failed} collector thread(s) failed to stop cleanly`);
    },
  };
}
