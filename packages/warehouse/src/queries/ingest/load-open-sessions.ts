import type { ClickHouseClient } from '@clickhouse/client';
import type { VisitAttributes } from '../events/insert-events.ts';

export interface OpenSession extends VisitAttributes {
  siteId: string;
  visitorId: string;
  lastTimestamp: number;
}

/**
 * The latest session of every visitor whose events came through one partition since `sinceMs`: what an
 * ingest worker needs to continue sessions after it is assigned that partition.
 */
export async function loadOpenSessions(
  client: ClickHouseClient,
  topic: string,
  partition: number,
  sinceMs: number,
): Promise<OpenSession[]> {
  const result = await client.query({
    query: `
      SELECT site_id, toString(visitor_id) AS visitor,
        toString(argMax(session_id, (timestamp, _offset, _index))) AS session,
        toUnixTimestamp64Milli(max(timestamp)) AS last,
        argMax((referrer, referrer_host, source, utm_source, utm_medium, utm_campaign, utm_term, utm_content,
                toString(entry_hostname), screen_width),
               (timestamp, _offset, _index)) AS visit
      FROM events
      WHERE _topic = {topic:String} AND _partition = {partition:UInt32}
        AND timestamp >= fromUnixTimestamp64Milli({since:Int64})
      GROUP BY site_id, visitor_id`,
    query_params: { topic, partition, since: sinceMs },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{
    site_id: string;
    visitor: string;
    session: string;
    last: number;
    visit: [string, string, string, string, string, string, string, string, string, number];
  }>();
  return rows.map((row) => ({
    siteId: row.site_id,
    visitorId: row.visitor,
    sessionId: row.session,
    lastTimestamp: Number(row.last),
    referrer: row.visit[0],
    referrerHost: row.visit[1],
    source: row.visit[2],
    utmSource: row.visit[3],
    utmMedium: row.visit[4],
    utmCampaign: row.visit[5],
    utmTerm: row.visit[6],
    utmContent: row.visit[7],
    entryHostname: row.visit[8],
    screenWidth: Number(row.visit[9]),
  }));
}
