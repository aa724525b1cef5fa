export type {
  BatchContext,
  BatchHandler,
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
export { LogUnavailableError, StreamError } from './errors.ts';
export type { StreamLogger } from './logger.ts';
export { EmbeddedLog, type EmbeddedLogOptions } from './embedded.ts';
export { KafkaLog, type KafkaLogOptions } from './kafka.ts';
export { openEventLog, type LogConfig } from './create.ts';
export { partitionFor } from './partitioner.ts';
export {
  type LogEnv,
  type LogSettings,
  type PipelineTopics,
  logEnvShape,
  logSettingsFrom,
  pipelineTopicSpecs,
} from './env.ts';
