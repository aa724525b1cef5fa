import type { ClickHouseClient } from '@clickhouse/client';
import { resolveDateRange } from './date-range.ts';
import { ParamBag } from './params.ts';
import { firstEventDay } from './query-stats.ts';
import { rangeCondition } from './range-sql.ts';
import type { StatsRequest } from './request.ts';

/** The prop keys of a site's custom events in a range, most used first: what a props breakdown can choose from. */
export async function queryPropKeys(
  client: ClickHouseClient,
  siteId: string,
  dateRange: StatsRequest['date_range'],
  context: { timezone: string; now: Date },
): Promise<Array<{ key: string; events: number }>> {
  const params = new ParamBag();
  const firstDay = dateRange === 'all' ? await firstEventDay(client, siteId, context.timezone) : '';
  const range = resolveDateRange(dateRange, context.timezone, context.now, firstDay);
  const site = params.add(siteId, 'String');
  const tz = params.add(context.timezone, 'String');
  const result = await client.query({
    query: `
      SELECT arrayJoin(mapKeys(props)) AS key, count() AS events
      FROM events
      WHERE site_id = ${site} AND type = 'custom' AND ${rangeCondition(range, tz, params, 'timestamp')}
      GROUP BY key ORDER BY events DESC, key LIMIT 100`,
    query_params: params.values,
    format: 'JSONCompactEachRow',
  });
  return (await result.json<[string, number]>()).map(([key, events]) => ({ key, events: Number(events) }));
}
