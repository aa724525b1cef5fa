import type { ClickHouseClient } from '@clickhouse/client';
import type { EnrichedEvent } from '@tern/events';
import { clickHouseCodeOf, isDataError, RowsRefusedError, WarehouseError } from '../../errors.ts';

/**
 * Visit attributes of the session an event belongs to, from the session's first event (Plausible's rule,
 * shared/SEMANTICS.md): every event of a session carries the same, so `visit:*` filters and breakdowns of event
 * metrics need no join with sessions.
 */
export interface VisitAttributes {
  sessionId: string;
  /** The hostname the session entered on: `event:hostname` filters also test it under visit breakdowns. */
  entryHostname: string;
  /** The first event's `window.innerWidth`, whose size class is `visit:device`. */
  screenWidth: number;
  referrer: string;
  referrerHost: string;
  source: string;
  utmSource: string;
  utmMedium: string;
  utmCampaign: string;
  utmTerm: string;
  utmContent: string;
}

export interface EventRow {
  event: EnrichedEvent;
  visit: VisitAttributes;
  topic: string;
  partition: number;
  offset: bigint;
  /** The event's line within its message (a message holds a request's events); 0 for a message of one. */
  index?: number;
}

/** Column order of `toRow`; JSONCompactEachRow takes values by position. */
const COLUMNS = [
  'site_id',
  'event_id',
  'type',
  'name',
  'timestamp',
  'received_at',
  'visitor_id',
  'session_id',
  'hostname',
  'entry_hostname',
  'pathname',
  'query',
  'title',
  'referrer',
  'referrer_host',
  'source',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'country',
  'region',
  'city',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'device',
  'screen_width',
  'language',
  'props',
  'engaged_ms',
  'scroll_depth',
  'revenue_amount',
  'revenue_currency',
  '_topic',
  '_partition',
  '_offset',
  '_index',
] as const;

/**
 * Inserts one batch. `dedupToken` must be a function of the batch's stream positions only, so that a
 * re-delivered batch is dropped by ClickHouse (non_replicated_deduplication_window on the table).
 *
 * Rows travel as JSONCompactEachRow: positional arrays are about twice as fast as JSONEachRow objects to build and
 * for ClickHouse to parse (bench/README.md, ingest), and stay a text format both chDB and a server read.
 */
export async function insertEvents(client: ClickHouseClient, rows: EventRow[], dedupToken: string): Promise<void> {
  if (rows.length === 0) return;
  try {
    await client.insert({
      table: 'events',
      columns: COLUMNS as unknown as [string, ...string[]],
      format: 'JSONCompactEachRow',
      values: rows.map(toRow),
      clickhouse_settings: {
        insert_deduplication_token: dedupToken,
        insert_deduplicate: 1,
        // The views (sessions, rollups, progress) must drop a re-delivered block as the events table does.
        deduplicate_blocks_in_dependent_materialized_views: 1,
      },
    });
  } catch (cause) {
    const operation = `insert of ${rows.length} events (${dedupToken})`;
    // Rows ClickHouse refuses are refused again however often they are sent; anything else may pass on a retry.
    const code = clickHouseCodeOf(cause);
    if (code !== undefined && isDataError(cause)) throw new RowsRefusedError(operation, code, { cause });
    throw new WarehouseError(operation, true, { cause });
  }
}

function toRow({ event: e, visit: v, topic, partition, offset, index = 0 }: EventRow) {
  return [
    e.siteId,
    e.eventId,
    e.type,
    e.name,
    e.timestamp,
    e.receivedAt,
    e.visitorId,
    v.sessionId,
    e.hostname,
    v.entryHostname,
    e.pathname,
    e.query,
    e.title,
    v.referrer,
    v.referrerHost,
    v.source,
    v.utmSource,
    v.utmMedium,
    v.utmCampaign,
    v.utmTerm,
    v.utmContent,
    e.country,
    e.region,
    e.city,
    e.browser,
    e.browserVersion,
    e.os,
    e.osVersion,
    e.device,
    v.screenWidth,
    e.language,
    e.props,
    e.engagedMs,
    e.scrollDepth,
    // A decimal as text: ClickHouse parses it exactly, where a JSON number would pass through a double.
    e.revenueAmount || '0',
    e.revenueCurrency,
    topic,
    partition,
    offset.toString(),
    index,
  ] satisfies unknown[] & { length: typeof COLUMNS.length };
}
