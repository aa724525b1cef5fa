import type { ClickHouseClient } from '@clickhouse/client';

/** Number of stored events of a site, for installation checks and tests. */
export async function countEvents(client: ClickHouseClient, siteId: string): Promise<number> {
  const result = await client.query({
    query: 'SELECT count() AS n FROM events WHERE site_id = {site:String}',
    query_params: { site: siteId },
    format: 'JSONEachRow',
  });
  return Number((await result.json<{ n: number }>())[0]?.n ?? 0);
}
