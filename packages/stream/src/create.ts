import { EmbeddedLog } from './embedded.ts';
import { KafkaLog } from './kafka.ts';
import type { StreamLogger } from './logger.ts';
import type { EventLog } from './types.ts';

export type LogConfig = { kind: 'kafka'; brokers: string[]; clientId: string } | { kind: 'embedded'; path: string };

/** Opens the configured log: Kafka when brokers are given, else the embedded SQLite log. */
export function openEventLog(config: LogConfig, logger?: StreamLogger): EventLog {
  const withLogger = logger ? { logger } : {};
  return config.kind === 'kafka'
    ? new KafkaLog({ brokers: config.brokers, clientId: config.clientId, ...withLogger })
    : new EmbeddedLog({ path: config.path, ...withLogger });
}
