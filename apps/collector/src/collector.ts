import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { threadId } from 'node:worker_threads';
import { SaltRing, SiteDirectory } from '@tern/control';
import { joinEventMessages } from '@tern/events';
import { retryUntilReady } from '@tern/service';
import { openEventLog, pipelineTopicSpecs } from '@tern/stream';
import pino, { type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { metricsSource } from './cluster/metrics-relay.ts';
import type { CollectorConfig } from './config.ts';
import { GroupCommitter, OFF_HEAP_MIN_CHARS } from './delivery/group-commit.ts';
import { createCollectorServer } from './http/server.ts';
import { loadTrackerScripts } from './http/tracker-script.ts';
import { openIntake } from './intake/intake.ts';
import type { SharedLookups } from './intake/prepare-deps.ts';
import { createCollectorMetrics } from './metrics.ts';

/** A merged events message stays under 768 KiB (3 bytes a character at most), below Kafka's 1 MB default. */
const MERGED_MESSAGE_MAX_CHARS = 256 * 1024;
/**
 * Single-event requests and small batches are merged; a 20-event request (~14 Ki characters) goes as it is. The
 * bound is the committer's for encoding a message early, which intake threads follow too (longer messages come
 * back from them as bytes, and bytes are not merged).
 */
const MERGEABLE_MESSAGE_MAX_CHARS = OFF_HEAP_MIN_CHARS;

export interface RunningCollector {
  url: string;
  port: number;
  /** The listening server, whose socket collector threads accept on too (`src/threads/`). */
  server: Server;
  /** Stops accepting, writes what was accepted, then closes the log. */
  stop(): Promise<void>;
}

export interface CollectorOptions {
  logger?: Logger;
  /** Accept on this copy of another collector's listening socket instead of binding `config.port` (a thread). */
  listenFd?: number;
  /** GeoIP and datacenter lookups another thread of this process loaded. */
  lookups?: SharedLookups | undefined;
  /** What `GET /metrics` answers, given this collector's registry: by default its own, or its cluster's. */
  metricsText?: (registry: Registry) => () => Promise<string>;
}

export async function startCollector(
  config: CollectorConfig,
  options: CollectorOptions = {},
): Promise<RunningCollector> {
  const log = options.logger ?? pino({ level: config.logLevel, base: { service: 'collector' } });
  const eventLog = openEventLog(config.stream.log, log);
  const { topics } = config.stream;
  await retryUntilReady(() => eventLog.ensureTopics(pipelineTopicSpecs(config.stream)), log, 'event log');
  const sites = new SiteDirectory(eventLog, topics.sites, 'collector');
  const salts = new SaltRing(eventLog, topics.salts, 'collector');
  await Promise.all([sites.start(), salts.start()]);
  const producer = await eventLog.producer();
  const committer = new GroupCommitter(producer, topics.events, {
    ...config.delivery,
    merge: {
      join: joinEventMessages,
      maxChars: MERGED_MESSAGE_MAX_CHARS,
      maxMergedMessageChars: MERGEABLE_MESSAGE_MAX_CHARS,
    },
  });
  const bots = new GroupCommitter(producer, topics.bots, config.delivery);
  const metrics = createCollectorMetrics(() => committer.depth);
  const intake = await openIntake(
    config.intakeThreads,
    { geoDatabase: config.geoDatabase, datacenterCheck: config.datacenterCheck, lookups: options.lookups },
    salts,
    log,
  );
  let stopping = false;

  const server = createCollectorServer({
    config,
    metrics,
    metricsText: (options.metricsText ?? metricsSource)(metrics.registry),
    logger: log,
    sites,
    intake,
    committer,
    bots,
    producer,
    deadLetterTopic: topics.deadLetter,
    trackers: loadTrackerScripts(),
    isReady: () => ({
      ready: !stopping && salts.saltFor(Date.now()) !== undefined,
      sites: sites.size,
      log: eventLog.kind,
    }),
  });
  // How connections spread over collector threads: each accepts on its own, the kernel picks the one.
  const connections = metrics.connections.labels({ thread: String(threadId) });
  server.on('connection', () => connections.inc());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (options.listenFd === undefined) server.listen(config.port, config.host, resolve);
    else server.listen({ fd: options.listenFd }, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, log: eventLog.kind }, 'collector listening');

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    async stop() {
      if (stopping) return;
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.all([committer.drain(), bots.drain()]);
      await closed;
      await intake.close();
      await producer.close();
      await Promise.all([sites.stop(), salts.stop()]);
      await eventLog.close();
      log.info('collector stopped');
    },
  };
}
