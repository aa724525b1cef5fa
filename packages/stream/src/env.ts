import { z } from 'zod';
import type { LogConfig } from './create.ts';

/**
 * The environment variables that say where the log is, shared by every app that opens it. Apps merge this
 * shape into their own config schema, which is parsed once at start-up.
 */
export const logEnvShape = {
  KAFKA_BROKERS: z
    .string()
    .optional()
    .transform((value) =>
      value
        ? value
            .split(',')
            .map((b) => b.trim())
            .filter(Boolean)
        : [],
    )
    .refine((brokers) => brokers.every((b) => /^[^\s:]+:\d{1,5}$/.test(b)), 'expected host:port[,host:port...]'),
  DATA_DIR: z.string().min(1).default('./data'),
  KAFKA_CLIENT_ID: z.string().min(1).default('tern'),
  TOPIC_EVENTS: z.string().min(1).default('tern.events.v1'),
  TOPIC_IMPORT: z.string().min(1).default('tern.import.v1'),
  TOPIC_DEAD_LETTER: z.string().min(1).default('tern.dead-letter.v1'),
  TOPIC_BOTS: z.string().min(1).default('tern.bots.v1'),
  TOPIC_SITES: z.string().min(1).default('tern.control.sites'),
  TOPIC_SALTS: z.string().min(1).default('tern.control.salts'),
  TOPIC_TOKENS: z.string().min(1).default('tern.control.tokens'),
  TOPIC_SHARES: z.string().min(1).default('tern.control.shares'),
  EVENTS_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(6),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(5).default(1),
};

export interface LogEnv {
  KAFKA_BROKERS: string[];
  DATA_DIR: string;
  KAFKA_CLIENT_ID: string;
  TOPIC_EVENTS: string;
  TOPIC_IMPORT: string;
  TOPIC_DEAD_LETTER: string;
  TOPIC_BOTS: string;
  TOPIC_SITES: string;
  TOPIC_SALTS: string;
  TOPIC_TOKENS: string;
  TOPIC_SHARES: string;
  EVENTS_PARTITIONS: number;
  KAFKA_REPLICATION_FACTOR: number;
}

export interface PipelineTopics {
  events: string;
  /** History imports, consumed by the same ingest code under a group of their own. */
  import: string;
  deadLetter: string;
  bots: string;
  sites: string;
  salts: string;
  /** API tokens (hashed), read by every web instance. */
  tokens: string;
  /** Public dashboard links, read by every web instance. */
  shares: string;
}

export interface LogSettings {
  log: LogConfig;
  topics: PipelineTopics;
  eventsPartitions: number;
  replicationFactor: number;
}

export function logSettingsFrom(env: LogEnv, role: string, dataDir: string): LogSettings {
  return {
    log:
      env.KAFKA_BROKERS.length > 0
        ? { kind: 'kafka', brokers: env.KAFKA_BROKERS, clientId: `${env.KAFKA_CLIENT_ID}-${role}` }
        : { kind: 'embedded', path: `${dataDir}/log.sqlite` },
    topics: {
      events: env.TOPIC_EVENTS,
      import: env.TOPIC_IMPORT,
      deadLetter: env.TOPIC_DEAD_LETTER,
      bots: env.TOPIC_BOTS,
      sites: env.TOPIC_SITES,
      salts: env.TOPIC_SALTS,
      tokens: env.TOPIC_TOKENS,
      shares: env.TOPIC_SHARES,
    },
    eventsPartitions: env.EVENTS_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
  };
}

/** Every topic the pipeline uses, created at start-up by whichever app starts first. */
export function pipelineTopicSpecs(settings: LogSettings) {
  const { topics, eventsPartitions, replicationFactor } = settings;
  return [
    { name: topics.events, partitions: eventsPartitions, replicationFactor },
    { name: topics.import, partitions: eventsPartitions, replicationFactor, retentionMs: 7 * 86_400_000 },
    { name: topics.deadLetter, partitions: 1, replicationFactor, retentionMs: 30 * 86_400_000 },
    { name: topics.bots, partitions: 1, replicationFactor, retentionMs: 30 * 86_400_000 },
    { name: topics.sites, partitions: 1, replicationFactor, compacted: true },
    { name: topics.salts, partitions: 1, replicationFactor, compacted: true },
    { name: topics.tokens, partitions: 1, replicationFactor, compacted: true },
    { name: topics.shares, partitions: 1, replicationFactor, compacted: true },
  ];
}
