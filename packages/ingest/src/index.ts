export { type IngestConfig, ingestEnvShape, loadIngestConfig } from './config.ts';
export { createIngestMetrics, type IngestMetrics } from './metrics.ts';
export { type IngestHealth, type PartitionProgress, ProgressTracker } from './progress.ts';
export { SessionTracker, sessionIdFor } from './sessions.ts';
export { type IngestOptions, type IngestWorker, startIngestWorker } from './worker.ts';
