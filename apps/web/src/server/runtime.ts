import { SaltRing, ShareDirectory, SiteDirectory, TokenDirectory } from '@tern/control';
import { type IngestWorker, startIngestWorker } from '@tern/ingest';
import { RateLimiter, retryUntilReady } from '@tern/service';
import { type EventLog, type LogProducer, openEventLog, pipelineTopicSpecs } from '@tern/stream';
import { migrate, openWarehouse, type Warehouse } from '@tern/warehouse';
import pino, { type Logger } from 'pino';
import { loadWebConfig, type WebConfig } from './config.ts';
import { LiveFeed } from './live-feed.ts';
import { LoginLimits } from './login-limits.ts';

/** Everything the web app's routes use, created once per server process. */
export interface WebRuntime {
  config: WebConfig;
  logger: Logger;
  log: EventLog;
  producer: LogProducer;
  sites: SiteDirectory;
  salts: SaltRing;
  tokens: TokenDirectory;
  shares: ShareDirectory;
  /** Per API token, at the token's own rate. */
  tokenLimiter: RateLimiter;
  /** Attempts at the log-in and share-password forms. */
  loginLimits: LoginLimits;
  warehouse: Warehouse;
  ingest: IngestWorker | undefined;
  live: LiveFeed;
  stop(): Promise<void>;
}

// Next.js compiles instrumentation and each route separately, each with its own copy of this module;
// the one runtime lives on globalThis.
const RUNTIME = Symbol.for('tern.web.runtime');
const slot = globalThis as { [RUNTIME]?: Promise<WebRuntime> };

export function startRuntime(): Promise<WebRuntime> {
  slot[RUNTIME] ??= createRuntime().catch((error: unknown) => {
    delete slot[RUNTIME];
    throw error;
  });
  return slot[RUNTIME];
}

/** The running runtime; routes call this (it starts one if instrumentation has not). */
export const runtime = startRuntime;

async function createRuntime(): Promise<WebRuntime> {
  const config = loadWebConfig();
  const logger = pino({ level: config.logLevel, base: { service: 'web' } });
  const log = openEventLog(config.stream.log, logger);
  await retryUntilReady(() => log.ensureTopics(pipelineTopicSpecs(config.stream)), logger, 'event log');
  // A server warehouse creates its database when opened: it may be down when we start (a restart during an outage).
  const warehouse = await retryUntilReady(() => openWarehouse(config.warehouse), logger, 'warehouse');
  await retryUntilReady(() => migrate(warehouse.client, warehouse.ddlTarget), logger, 'warehouse');
  const { topics } = config.stream;
  const sites = new SiteDirectory(log, topics.sites, 'web');
  const salts = new SaltRing(log, topics.salts, 'web');
  const tokens = new TokenDirectory(log, topics.tokens, 'web');
  const shares = new ShareDirectory(log, topics.shares, 'web');
  await Promise.all([sites.start(), salts.start(), tokens.start(), shares.start()]);
  const producer = await log.producer();
  // This process keeps the salts: today's and tomorrow's exist, old ones are destroyed.
  await salts.rotate(producer, Date.now());
  const rotation = setInterval(() => {
    salts.rotate(producer, Date.now()).catch((error: unknown) => logger.error({ err: error }, 'salt rotation failed'));
  }, 3600_000);
  rotation.unref();

  const ingest = config.ingestInProcess
    ? await startIngestWorker({
        log,
        warehouse,
        topics,
        groupId: config.ingestGroupId,
        sessionTimeoutMinutes: config.sessionTimeoutMinutes,
        stallAfterMs: config.ingestStallAfterMs,
        logger: logger.child({ component: 'ingest' }),
      })
    : undefined;
  const live = new LiveFeed(
    log,
    topics.events,
    config.live.groupPrefix,
    config.live.bufferEvents,
    logger.child({ component: 'live' }),
  );
  logger.info(
    { log: log.kind, warehouse: warehouse.kind, ingest: ingest ? 'in-process' : 'external', sites: sites.size },
    'web runtime ready',
  );
  if (config.adminTokenSource === 'file') {
    // The operator needs this once to log in; it is not visitor data.
    process.stdout.write(`\n  Admin token (stored in ${config.dataDir}/admin-token): ${config.adminToken}\n\n`);
  }

  const runtime: WebRuntime = {
    config,
    logger,
    log,
    producer,
    sites,
    salts,
    tokens,
    shares,
    tokenLimiter: new RateLimiter(0, 1),
    loginLimits: new LoginLimits(),
    warehouse,
    ingest,
    live,
    async stop() {
      clearInterval(rotation);
      await live.stop();
      await ingest?.stop();
      await Promise.all([sites.stop(), salts.stop(), tokens.stop(), shares.stop()]);
      await producer.close();
      await log.close();
      await warehouse.close();
    },
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      const deadline = setTimeout(() => process.exit(1), 15_000);
      runtime.stop().finally(() => {
        clearTimeout(deadline);
        process.exit(0);
      });
    });
  }
  return runtime;
}
