import { resolve } from 'node:path';
import { logLevelEnvShape, parseEnv } from '@tern/service';
import { type LogSettings, logEnvShape, logSettingsFrom } from '@tern/stream';
import { type WarehouseConfig, warehouseConfigFrom, warehouseEnvShape } from '@tern/warehouse';
import { z } from 'zod';

/** The ingest worker's own settings; the web app merges them too, as it runs the worker in the embedded mode. */
export const ingestEnvShape = {
  INGEST_GROUP_ID: z.string().min(1).default('tern-ingest'),
  SESSION_TIMEOUT_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  /** Kafka consumer-group session timeout: how soon a dead worker's partitions move to the others. */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
  /** A partition with work it has not finished for this long makes health answer 503 (a stall, not a slow batch). */
  INGEST_STALL_SECONDS: z.coerce.number().int().min(5).max(86_400).default(120),
};

/** Every variable a standalone ingest worker reads (exported for the manifest test). */
export const ingestEnvSchema = z.object({
  ...logEnvShape,
  ...warehouseEnvShape,
  ...ingestEnvShape,
  INGEST_HOST: z.string().default('0.0.0.0'),
  INGEST_PORT: z.coerce.number().int().min(0).max(65535).default(9091),
  ...logLevelEnvShape,
});

export interface IngestConfig {
  stream: LogSettings;
  warehouse: WarehouseConfig;
  groupId: string;
  host: string;
  port: number;
  sessionTimeoutMinutes: number;
  groupSessionTimeoutMs: number;
  stallAfterMs: number;
  logLevel: string;
}

export function loadIngestConfig(env: Record<string, string | undefined> = process.env): IngestConfig {
  const e = parseEnv(ingestEnvSchema, env, 'ingest');
  const dataDir = resolve(e.DATA_DIR);
  return {
    stream: logSettingsFrom(e, 'ingest', dataDir),
    warehouse: warehouseConfigFrom(e, dataDir),
    groupId: e.INGEST_GROUP_ID,
    host: e.INGEST_HOST,
    port: e.INGEST_PORT,
    sessionTimeoutMinutes: e.SESSION_TIMEOUT_MINUTES,
    groupSessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
    stallAfterMs: e.INGEST_STALL_SECONDS * 1000,
    logLevel: e.LOG_LEVEL,
  };
}
