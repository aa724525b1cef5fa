export { openWarehouse, quoteIdentifier, type Warehouse, type WarehouseConfig } from './client.ts';
export { WarehouseError } from './errors.ts';
export { migrate, MIGRATIONS } from './migrations/index.ts';
export { insertEvents, type EventRow, type VisitAttributes } from './queries/events/insert-events.ts';
export { countEvents } from './queries/events/count-events.ts';
export { loadOpenSessions, type OpenSession } from './queries/ingest/load-open-sessions.ts';
export { storedOffsets } from './queries/ingest/stored-offsets.ts';
export {
  InvalidStatsQueryError,
  queryStats,
  type StatsContext,
  type StatsResponse,
  type StatsRow,
} from './queries/stats/query-stats.ts';
export {
  DATE_RANGE_SHORTCUTS,
  FIELD_DIMENSIONS,
  FILTER_OPERATORS,
  statsRequestSchema,
  SUPPORTED_METRICS,
  TIME_DIMENSIONS,
  type Dimension,
  type Filter,
  type Metric,
  type StatsRequest,
} from './queries/stats/request.ts';
export { type WarehouseEnv, warehouseConfigFrom, warehouseEnvShape } from './env.ts';
