import { resolve } from 'node:path';
import { logLevelEnvShape, parseEnv } from '@tern/service';
import { type LogSettings, logEnvShape, logSettingsFrom } from '@tern/stream';
import { z } from 'zod';

/** Every variable the collector reads (exported for the manifest test). */
export const collectorEnvSchema = z
  .object({
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
    RATE_LIMIT_SITE_EVENTS_PER_SECOND: z.coerce.number().min(0).default(2000),
    RATE_LIMIT_SITE_BURST: z.coerce.number().min(1).default(20_000),
    COLLECTOR_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
    COLLECTOR_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    COLLECTOR_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(20_000),
    COLLECTOR_ACK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    COLLECTOR_LINGER_MS: z.coerce.number().int().min(0).max(100).default(2),
    COLLECTOR_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(4),
    COLLECTOR_MAX_QUEUED_EVENTS: z.coerce.number().int().min(100).default(50_000),
    COLLECTOR_INTAKE_THREADS: z.coerce.number().int().min(0).max(16).default(0),
    COLLECTOR_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
    COLLECTOR_THREADS: z.coerce.number().int().min(1).max(64).default(1),
    GEOIP_CITY: z.enum(['off', 'dbip']).default('off'),
    BOT_DATACENTER_CHECK: z.enum(['on', 'off']).default('on'),
    ...logLevelEnvShape,
  })
  .refine((env) => env.COLLECTOR_PROCESSES === 1 || env.KAFKA_BROKERS.length > 0, {
    // The embedded log is one SQLite file written by one process.
    path: ['COLLECTOR_PROCESSES'],
    message: 'more than one collector process needs KAFKA_BROKERS (the embedded log has one writer)',
  })
  .refine((env) => env.COLLECTOR_THREADS === 1 || env.KAFKA_BROKERS.length > 0, {
    path: ['COLLECTOR_THREADS'],
    message: 'more than one collector thread needs KAFKA_BROKERS (the embedded log has one writer)',
  })
  .refine((env) => env.COLLECTOR_THREADS === 1 || env.COLLECTOR_PROCESSES === 1, {
    // A cluster's process accepts through its primary and has no listening socket of its own to share.
    path: ['COLLECTOR_THREADS'],
    message: 'COLLECTOR_THREADS and COLLECTOR_PROCESSES cannot both be above 1: choose threads or processes',
  });

export interface CollectorConfig {
  host: string;
  port: number;
  stream: LogSettings;
  maxBodyBytes: number;
  trustedProxies: string[];
  rateLimit: { perSecond: number; burst: number };
  /** Events per second per site (a token per event). */
  siteRateLimit: { perSecond: number; burst: number };
  delivery: { lingerMs: number; maxQueuedEvents: number; maxBatchEvents: number; maxInFlight: number };
  /** How long a request waits for the log's acknowledgement before it is answered 503. */
  ackTimeoutMs: number;
  /**
   * Threads that parse, validate and enrich event requests beside the HTTP thread; 0 (the default) does it on the
   * HTTP thread. On two cores shared with the broker and the load, one thread gained a median 12-15% for about
   * 50 MB more RSS (bench/README.md); with cores to spare it is worth more.
   */
  intakeThreads: number;
  /**
   * Collector processes sharing the port (node:cluster), each a whole collector with its own producer and limits;
   * 1 (the default) runs one. On the bench's two cores, two processes used the core one leaves idle
   * (bench/README.md); in Kubernetes, run more pods instead.
   */
  processes: number;
  /**
   * Whole collectors in threads of one process, all accepting on its socket (`src/threads/`); 1 (the default)
   * runs one. Like processes, they use the cores one event loop leaves idle, and they share the runtime and the
   * lookups, so two threads fit where two processes did not (bench/README.md).
   */
  threads: number;
  geoDatabase: 'country' | 'dbip-city';
  /** Drop requests from cloud and hosting networks as bots (reason `datacenter`). */
  datacenterCheck: boolean;
  /** Slow clients: time to send the headers, and the whole request; and the connection cap. */
  timeouts: { headersMs: number; requestMs: number };
  maxConnections: number;
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
    siteRateLimit: { perSecond: e.RATE_LIMIT_SITE_EVENTS_PER_SECOND, burst: e.RATE_LIMIT_SITE_BURST },
    delivery: {
      lingerMs: e.COLLECTOR_LINGER_MS,
      maxQueuedEvents: e.COLLECTOR_MAX_QUEUED_EVENTS,
      maxBatchEvents: 2000,
      maxInFlight: e.COLLECTOR_MAX_IN_FLIGHT,
    },
    intakeThreads: e.COLLECTOR_INTAKE_THREADS,
    processes: e.COLLECTOR_PROCESSES,
    threads: e.COLLECTOR_THREADS,
    geoDatabase: e.GEOIP_CITY === 'dbip' ? 'dbip-city' : 'country',
    datacenterCheck: e.BOT_DATACENTER_CHECK === 'on',
    timeouts: { headersMs: e.COLLECTOR_HEADERS_TIMEOUT_MS, requestMs: e.COLLECTOR_REQUEST_TIMEOUT_MS },
    maxConnections: e.COLLECTOR_MAX_CONNECTIONS,
    ackTimeoutMs: e.COLLECTOR_ACK_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
  };
}
