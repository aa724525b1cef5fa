import { resolve } from 'node:path';
import { parseEnv } from '@tern/service';
import { type LogSettings, logEnvShape, logSettingsFrom } from '@tern/stream';
import { z } from 'zod';

const collectorEnvSchema = z.object({
  ...logEnvShape,
  COLLECTOR_HOST: z.string().default('0.0.0.0'),
  COLLECTOR_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024),
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    ),
  RATE_LIMIT_IP_PER_SECOND: z.coerce.number().min(0).default(50),
  RATE_LIMIT_IP_BURST: z.coerce.number().min(1).default(500),
  COLLECTOR_LINGER_MS: z.coerce.number().int().min(0).max(100).default(2),
  COLLECTOR_MAX_QUEUED_EVENTS: z.coerce.number().int().min(100).default(100_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface CollectorConfig {
  host: string;
  port: number;
  stream: LogSettings;
  maxBodyBytes: number;
  trustedProxies: string[];
  rateLimit: { perSecond: number; burst: number };
  delivery: { lingerMs: number; maxQueuedMessages: number; maxBatchMessages: number };
  logLevel: string;
}

/** Parses the collector's environment once; a bad value stops start-up naming the variable. */
export function loadCollectorConfig(env: Record<string, string | undefined> = process.env): CollectorConfig {
  const e = parseEnv(collectorEnvSchema, env, 'collector');
  return {
    host: e.COLLECTOR_HOST,
    port: e.COLLECTOR_PORT,
    stream: logSettingsFrom(e, 'collector', resolve(e.DATA_DIR)),
    maxBodyBytes: e.MAX_BODY_BYTES,
    trustedProxies: e.TRUSTED_PROXIES,
    rateLimit: { perSecond: e.RATE_LIMIT_IP_PER_SECOND, burst: e.RATE_LIMIT_IP_BURST },
    delivery: {
      lingerMs: e.COLLECTOR_LINGER_MS,
      maxQueuedMessages: e.COLLECTOR_MAX_QUEUED_EVENTS,
      maxBatchMessages: 5000,
    },
    logLevel: e.LOG_LEVEL,
  };
}
