import type { ClickHouseClient } from '@clickhouse/client';

/** Highest stream offset stored per partition of a topic (the ingest_progress record): where a worker resumes. */
export async function storedOffsets(client: ClickHouseClient, topic: string): Promise<Map<number, bigint>> {
  const result = await client.query({
    query: `SELECT partition, toString(max(max_offset)) AS offset FROM ingest_progress
            WHERE topic = {topic:String} GROUP BY partition`,
    query_params: { topic },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ partition: number; offset: string }>();
  return new Map(rows.map((row) => [Number(row.partition), BigInt(row.offset)]));
}
