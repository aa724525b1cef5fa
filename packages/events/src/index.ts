export { BOT_REASONS, type BotEvent, type BotReason, botEventSchema } from './bots.ts';
export { parseEnrichedEvent, parseWireEvent } from './compiled-check.ts';
export {
  type Goal,
  goalName,
  goalSchema,
  type SaltRecord,
  type ShareRecord,
  type SiteRecord,
  saltRecordSchema,
  shareRecordSchema,
  siteRecordSchema,
  type TokenRecord,
  tokenRecordSchema,
} from './control.ts';
export { type DeadLetter, deadLetterSchema } from './dead-letter.ts';
export {
  ENRICHED_EVENT_VERSION,
  type EnrichedEvent,
  enrichedEventSchema,
  MIDNIGHT_CROSSING_MS,
  partitionKey,
} from './enriched.ts';
export {
  type DecodedEvent,
  decodeEventMessage,
  encodeEventMessage,
  joinEventMessages,
  MAX_EVENTS_PER_MESSAGE,
  utcMonthOf,
} from './event-message.ts';
export {
  enrichedFromHistory,
  type HistoryEvent,
  type HistoryLine,
  historyEventSchema,
  revenueIssue,
} from './history.ts';
export { type FieldIssue, primaryIssue } from './issues.ts';
export { isStorableTime, LIMITS } from './limits.ts';
export { JsonTooDeepError, MAX_JSON_DEPTH, parseJsonText, truncate, wellFormed } from './text.ts';
export { DEFAULT_TOPICS, type TopicNames } from './topics.ts';
export {
  amountOf,
  CURRENCY,
  EVENT_TYPES,
  type EventType,
  eventTypeSchema,
  propKeySchema,
  propsSchema,
  type Revenue,
  revenueSchema,
  stringifyProps,
  type WireBatch,
  type WireEvent,
  wireBatchSchema,
  wireEventSchema,
} from './wire.ts';
