import { parentPort, threadId, workerData } from 'node:worker_threads';
import pino from 'pino';
import { startCollector } from '../collector.ts';
import { type RelayMessage, relayedMetrics } from '../metrics-relay.ts';
import type { CollectorThreadData, FromCollectorThread, ToCollectorThread } from './messages.ts';

/**
 * A collector thread (COLLECTOR_THREADS > 1): a whole collector, with its own producer, caches and limits, that
 * accepts on its own descriptor of the main thread's listening socket. It stops when the main thread asks, after
 * flushing what it acknowledged, and then ends with exit code 0.
 */
const port = parentPort;
if (!port) throw new Error('collector-thread runs as a worker thread');
const { config, fd, lookups } = workerData as CollectorThreadData;
const logger = pino({ level: config.logLevel, base: { service: 'collector', thread: threadId } });
const collector = await startCollector(config, {
  logger,
  listenFd: fd,
  lookups,
  metricsText: (registry) =>
    relayedMetrics(
      registry,
      {
        send: (message: RelayMessage) => port.postMessage(message),
        listen: (listener) => port.on('message', listener),
      },
      'the main thread',
    ),
});
port.on('message', (message: ToCollectorThread) => {
  if (message.type !== 'stop') return;
  collector.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'collector thread failed to stop');
      process.exit(1);
    },
  );
});
port.postMessage({ type: 'listening' } satisfies FromCollectorThread);
