export { type LogConfig, openEventLog } from './create.ts';
export { EmbeddedLog, type EmbeddedLogOptions } from './embedded.ts';
export {
  type LogEnv,
  type LogSettings,
  logEnvShape,
  logSettingsFrom,
  type PipelineTopics,
  pipelineTopicSpecs,
} from './env.ts';
export { FencedError, LogUnavailableError, StreamError } from './errors.ts';
export { KafkaLog, type KafkaLogOptions } from './kafka.ts';
export type { StreamLogger } from './logger.ts';
export { partitionFor } from './partitioner.ts';
export type {
  BatchContext,
  BatchHandler,
  Claim,
  ConsumerOptions,
  EndOffsets,
  EventLog,
  LogConsumer,
  LogProducer,
  OutgoingMessage,
  StreamBatch,
  StreamMessage,
  TopicPartition,
  TopicSpec,
} from './types.ts';
