import type { ClickHouseClient } from '@clickhouse/client';

/** Ids of the events one partition delivered since `sinceMs` (by receive time): the ingest's dedup window. */
export async function recentEventIds(
  client: ClickHouseClient,
  topic: string,
  partition: number,
  sinceMs: number,
): Promise<string[]> {
  const result = await client.query({
    query: `SELECT toString(event_id) AS id FROM events
            WHERE _topic = {topic:String} AND _partition = {partition:UInt32}
              AND received_at >= fromUnixTimestamp64Milli({since:Int64})`,
    query_params: { topic, partition, since: sinceMs },
    format: 'JSONEachRow',
  });
  return (await result.json<{ id: string }>()).map((row) => row.id);
}
