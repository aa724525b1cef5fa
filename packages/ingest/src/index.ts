export { startIngestWorker, type IngestOptions, type IngestWorker } from './worker.ts';
export { SessionTracker, sessionIdFor } from './sessions.ts';
export { createIngestMetrics, type IngestMetrics } from './metrics.ts';
export { type IngestConfig, loadIngestConfig } from './config.ts';
