import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ingestEnvShape } from '@tern/ingest';
import { ConfigError, logLevelEnvShape, parseEnv } from '@tern/service';
import { type LogSettings, logEnvShape, logSettingsFrom } from '@tern/stream';
import { type WarehouseConfig, warehouseConfigFrom, warehouseEnvShape } from '@tern/warehouse';
import { z } from 'zod';

/** Every variable the web app reads (exported for the manifest test). */
export const webEnvSchema = z.object({
  ...logEnvShape,
  ...warehouseEnvShape,
  ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** Lets people log in to the dashboard with a password instead of the admin token. */
  ADMIN_PASSWORD: z.string().min(8, 'at least 8 characters').optional(),
  SESSION_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  INGEST_IN_PROCESS: z.enum(['auto', 'true', 'false']).default('auto'),
  ...ingestEnvShape,
  DEFAULT_TIMEZONE: z.string().default('UTC'),
  COLLECTOR_PUBLIC_URL: z.url().default('http://localhost:8080'),
  /** Each web process reads the events topic in a group of its own, named from this prefix. */
  LIVE_GROUP_PREFIX: z.string().min(1).default('tern-web-live'),
  /** Events queued per browser on the live feed before the oldest are dropped. */
  LIVE_BUFFER_EVENTS: z.coerce.number().int().min(10).max(100_000).default(500),
  ...logLevelEnvShape,
});

export interface WebConfig {
  dataDir: string;
  stream: LogSettings;
  warehouse: WarehouseConfig;
  adminToken: string;
  adminTokenSource: 'env' | 'file';
  adminPassword: string | undefined;
  sessionSecret: string;
  /** chDB lets only one process open the warehouse, so in embedded mode ingest runs here. */
  ingestInProcess: boolean;
  ingestGroupId: string;
  sessionTimeoutMinutes: number;
  ingestStallAfterMs: number;
  defaultTimezone: string;
  /** Where browsers reach the collector: used in the snippet shown to site owners. */
  collectorPublicUrl: string;
  logLevel: string;
  live: { groupPrefix: string; bufferEvents: number };
}

/** Parsed once, at server start-up (instrumentation). A bad value stops the server naming the variable. */
export function loadWebConfig(env: Record<string, string | undefined> = process.env): WebConfig {
  const e = parseEnv(webEnvSchema, env, 'web');
  const dataDir = resolve(e.DATA_DIR);
  const warehouse = warehouseConfigFrom(e, dataDir);
  const { token, source } = adminToken(e.ADMIN_TOKEN, dataDir, warehouse.kind === 'embedded');
  return {
    dataDir,
    stream: logSettingsFrom(e, 'web', dataDir),
    warehouse,
    adminToken: token,
    adminTokenSource: source,
    adminPassword: e.ADMIN_PASSWORD,
    sessionSecret: e.SESSION_SECRET ?? token,
    ingestInProcess: e.INGEST_IN_PROCESS === 'auto' ? warehouse.kind === 'embedded' : e.INGEST_IN_PROCESS === 'true',
    ingestGroupId: e.INGEST_GROUP_ID,
    sessionTimeoutMinutes: e.SESSION_TIMEOUT_MINUTES,
    ingestStallAfterMs: e.INGEST_STALL_SECONDS * 1000,
    defaultTimezone: e.DEFAULT_TIMEZONE,
    collectorPublicUrl: e.COLLECTOR_PUBLIC_URL.replace(/\/$/, ''),
    logLevel: e.LOG_LEVEL,
    live: { groupPrefix: e.LIVE_GROUP_PREFIX, bufferEvents: e.LIVE_BUFFER_EVENTS },
  };
}

/** In the embedded mode a missing ADMIN_TOKEN is generated once and kept under DATA_DIR. */
function adminToken(fromEnv: string | undefined, dataDir: string, embedded: boolean) {
  if (fromEnv) return { token: fromEnv, source: 'env' as const };
  if (!embedded) throw new ConfigError('web', ['ADMIN_TOKEN: required when CLICKHOUSE_URL is set']);
  const path = join(dataDir, 'admin-token');
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  }
  return { token: readFileSync(path, 'utf8').trim(), source: 'file' as const };
}
