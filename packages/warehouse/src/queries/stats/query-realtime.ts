import type { ClickHouseClient } from '@clickhouse/client';
import { toClickHouseTime } from './range-sql.ts';

export interface RealtimeMinute {
  /** Start of the minute, ISO 8601 UTC. */
  minute: string;
  visitors: number;
  pageviews: number;
  events: number;
}

export interface Realtime {
  /** Visitors with any event (engagement pings included) in the last five minutes. */
  current_visitors: number;
  /** The last 30 whole minutes and the current one, oldest first, empty minutes included. */
  minutes: RealtimeMinute[];
}

const MINUTE = 60_000;

/** The live view of a site: current visitors and activity per minute over the last half hour. */
export async function queryRealtime(client: ClickHouseClient, siteId: string, now: Date): Promise<Realtime> {
  const firstMinute = Math.floor(now.getTime() / MINUTE) * MINUTE - 30 * MINUTE;
  const params = {
    site: siteId,
    since: toClickHouseTime(new Date(firstMinute)),
    current: toClickHouseTime(new Date(now.getTime() - 5 * MINUTE)),
    until: toClickHouseTime(now),
  };
  const [current, perMinute] = await Promise.all([
    client.query({
      query: `SELECT uniqExact(visitor_id) AS n FROM events
              WHERE site_id = {site:String} AND timestamp >= {current:DateTime64(3, 'UTC')}
                AND timestamp <= {until:DateTime64(3, 'UTC')}`,
      query_params: params,
      format: 'JSONEachRow',
    }),
    client.query({
      query: `SELECT toUnixTimestamp(toStartOfMinute(timestamp)) * 1000 AS minute_ms, uniqExact(visitor_id) AS visitors,
                countIf(type = 'pageview') AS pageviews, count() AS events
              FROM events
              WHERE site_id = {site:String} AND type != 'engagement'
                AND timestamp >= {since:DateTime64(3, 'UTC')} AND timestamp <= {until:DateTime64(3, 'UTC')}
              GROUP BY minute_ms`,
      query_params: params,
      format: 'JSONEachRow',
    }),
  ]);
  const counted = new Map(
    (await perMinute.json<{ minute_ms: number; visitors: number; pageviews: number; events: number }>()).map((row) => [
      Number(row.minute_ms),
      row,
    ]),
  );
  const minutes: RealtimeMinute[] = [];
  for (let at = firstMinute; at <= now.getTime(); at += MINUTE) {
    const row = counted.get(at);
    minutes.push({
      minute: new Date(at).toISOString(),
      visitors: Number(row?.visitors ?? 0),
      pageviews: Number(row?.pageviews ?? 0),
      events: Number(row?.events ?? 0),
    });
  }
  return { current_visitors: Number((await current.json<{ n: number }>())[0]?.n ?? 0), minutes };
}
