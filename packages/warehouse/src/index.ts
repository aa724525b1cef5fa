export { openWarehouse, QUERY_LIMITS, quoteIdentifier, type Warehouse, type WarehouseConfig } from './client.ts';
export { type WarehouseEnv, warehouseConfigFrom, warehouseEnvShape } from './env.ts';
export {
  clickHouseCodeOf,
  isDataError,
  type QueryLimit,
  queryLimitOf,
  RowsRefusedError,
  WarehouseError,
} from './errors.ts';
export { type DdlTarget, SINGLE_NODE, schemaMigrationsDdl, statementsFor } from './migrations/ddl-target.ts';
export { MIGRATIONS, migrate } from './migrations/index.ts';
export { type BotRow, insertBotEvents } from './queries/bots/insert-bot-events.ts';
export { countEvents } from './queries/events/count-events.ts';
export { type EventRow, insertEvents, type VisitAttributes } from './queries/events/insert-events.ts';
export {
  type EventCursor,
  type ReadEventsQuery,
  readEvents,
  type StoredEvent,
} from './queries/events/read-events.ts';
export {
  type FunnelRequest,
  type FunnelResponse,
  type FunnelStepResult,
  funnelRequestSchema,
  queryFunnel,
} from './queries/funnels/query-funnel.ts';
export { type EventIdProbe, existingEventIds } from './queries/ingest/existing-event-ids.ts';
export { loadOpenSessions, type OpenSession } from './queries/ingest/load-open-sessions.ts';
export { recentEventIds } from './queries/ingest/recent-event-ids.ts';
export { storedOffsets } from './queries/ingest/stored-offsets.ts';
export { type ResolvedRange, resolveDateRange } from './queries/stats/date-range.ts';
export { type BatchAnswer, queryStatsBatch } from './queries/stats/query-batch.ts';
export { queryPropKeys } from './queries/stats/query-prop-keys.ts';
export { queryRealtime, type Realtime, type RealtimeMinute } from './queries/stats/query-realtime.ts';
export {
  firstEventDay,
  InvalidStatsQueryError,
  type MetricValue,
  numberOf,
  queryStats,
  type StatsContext,
  type StatsResponse,
  type StatsRow,
} from './queries/stats/query-stats.ts';
export {
  DATE_RANGE_SHORTCUTS,
  type Dimension,
  FIELD_DIMENSIONS,
  FILTER_OPERATORS,
  type Filter,
  filterSchema,
  isoDateSchema,
  isoDateTimeSchema,
  type Metric,
  type StatsRequest,
  SUPPORTED_METRICS,
  statsRequestSchema,
  TIME_DIMENSIONS,
} from './queries/stats/request.ts';
export type { RevenueValue } from './queries/stats/revenue.ts';
export { sessionIdAt } from './sessions/session-id.ts';
