import type { ClickHouseClient } from '@clickhouse/client';
import type { EnrichedEvent } from '@tern/events';
import { WarehouseError } from '../../errors.ts';

/** Visit attributes of the session an event belongs to (from the session's first event). */
export interface VisitAttributes {
  sessionId: string;
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
}

/**
 * Inserts one batch. `dedupToken` must be a function of the batch's stream positions only, so that a
 * re-delivered batch is dropped by ClickHouse (non_replicated_deduplication_window on the table).
 */
export async function insertEvents(client: ClickHouseClient, rows: EventRow[], dedupToken: string): Promise<void> {
  if (rows.length === 0) return;
  try {
    await client.insert({
      table: 'events',
      format: 'JSONEachRow',
      values: rows.map(toRecord),
      clickhouse_settings: {
        insert_deduplication_token: dedupToken,
        insert_deduplicate: 1,
        // The sessions view must drop a re-delivered block as the events table does.
        deduplicate_blocks_in_dependent_materialized_views: 1,
      },
    });
  } catch (cause) {
    throw new WarehouseError(`insert of ${rows.length} events (${dedupToken})`, true, { cause });
  }
}

function toRecord({ event: e, visit: v, topic, partition, offset }: EventRow) {
  return {
    site_id: e.siteId,
    event_id: e.eventId,
    type: e.type,
    name: e.name,
    timestamp: e.timestamp,
    received_at: e.receivedAt,
    visitor_id: e.visitorId,
    session_id: v.sessionId,
    hostname: e.hostname,
    pathname: e.pathname,
    query: e.query,
    title: e.title,
    referrer: v.referrer,
    referrer_host: v.referrerHost,
    source: v.source,
    utm_source: v.utmSource,
    utm_medium: v.utmMedium,
    utm_campaign: v.utmCampaign,
    utm_term: v.utmTerm,
    utm_content: v.utmContent,
    country: e.country,
    region: e.region,
    city: e.city,
    browser: e.browser,
    browser_version: e.browserVersion,
    os: e.os,
    os_version: e.osVersion,
    device: e.device,
    screen_width: e.screenWidth,
    language: e.language,
    props: e.props,
    engaged_ms: e.engagedMs,
    scroll_depth: e.scrollDepth,
    _topic: topic,
    _partition: partition,
    _offset: offset.toString(),
  };
}
