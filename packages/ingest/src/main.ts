import { createServer } from 'node:http';
import { retryUntilReady } from '@tern/service';
import { openEventLog, pipelineTopicSpecs } from '@tern/stream';
import { migrate, openWarehouse } from '@tern/warehouse';
import pino from 'pino';
import { loadIngestConfig } from './config.ts';
import { startIngestWorker } from './worker.ts';

/** `npm run start -w packages/ingest`: one ingest worker with /healthz and /metrics on INGEST_PORT. */
const config = loadIngestConfig();
const logger = pino({ level: config.logLevel, base: { service: 'ingest' } });
const log = openEventLog(config.stream.log, logger);
// Whichever process starts first creates the topics (idempotent), so a worker may start before the web app.
await retryUntilReady(() => log.ensureTopics(pipelineTopicSpecs(config.stream)), logger, 'event log');
// A server warehouse creates its database when opened: it may be down when we start (a restart during an outage).
const warehouse = await retryUntilReady(() => openWarehouse(config.warehouse), logger, 'warehouse');
// ClickHouse may come up after us (compose, Kubernetes, a restarted warehouse).
await retryUntilReady(() => migrate(warehouse.client, warehouse.ddlTarget), logger, 'warehouse');
const worker = await startIngestWorker({
  log,
  warehouse,
  topics: config.stream.topics,
  groupId: config.groupId,
  sessionTimeoutMinutes: config.sessionTimeoutMinutes,
  groupSessionTimeoutMs: config.groupSessionTimeoutMs,
  stallAfterMs: config.stallAfterMs,
  logger,
});

const server = createServer(async (request, response) => {
  if (request.url === '/healthz' || request.url === '/readyz') {
    // A stalled partition is not a green light: readiness answers 503, so an orchestrator shows the worker not
    // ready, and both say which partition and for how long. Liveness stays 200 while the process runs: restarting
    // it mends no warehouse outage, and would only move its partitions.
    const health = worker.health();
    const status = request.url === '/readyz' && health.status !== 'ok' ? 503 : 200;
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(health));
  } else if (request.url === '/metrics') {
    worker.health();
    response
      .writeHead(200, { 'content-type': worker.metrics.registry.contentType })
      .end(await worker.metrics.registry.metrics());
  } else {
    response.writeHead(404).end();
  }
});
server.listen(config.port, config.host, () => logger.info({ port: config.port }, 'ingest health server listening'));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    const deadline = setTimeout(() => process.exit(1), 15_000);
    server.close();
    await worker.stop();
    await log.close();
    await warehouse.close();
    clearTimeout(deadline);
    process.exit(0);
  });
}
