export { LIMITS } from './limits.ts';
export {
  EVENT_TYPES,
  eventTypeSchema,
  propsSchema,
  wireBatchSchema,
  wireEventSchema,
  type EventType,
  type WireBatch,
  type WireEvent,
} from './wire.ts';
export {
  ENRICHED_EVENT_VERSION,
  enrichedEventSchema,
  partitionKey,
  type EnrichedEvent,
} from './enriched.ts';
export { deadLetterSchema, type DeadLetter } from './dead-letter.ts';
export { saltRecordSchema, siteRecordSchema, type SaltRecord, type SiteRecord } from './control.ts';
export { DEFAULT_TOPICS, type TopicNames } from './topics.ts';
