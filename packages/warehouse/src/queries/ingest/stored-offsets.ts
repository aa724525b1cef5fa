import type { ClickHouseClient } from '@clickhouse/client';

/** Highest stream offset stored per partition of a topic: where a restarted worker may resume. */
export async function storedOffsets(client: ClickHouseClient, topic: string): Promise<Map<number, bigint>> {
  const result = await client.query({
    query: `SELECT _partition AS partition, toString(max(_offset)) AS offset FROM events
            WHERE _topic = {topic:String} GROUP BY _partition`,
    query_params: { topic },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ partition: number; offset: string }>();
  return new Map(rows.map((row) => [Number(row.partition), BigInt(row.offset)]));
}
