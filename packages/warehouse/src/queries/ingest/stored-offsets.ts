import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Highest stream offset stored per partition of a topic: where a restarted worker resumes. Answered from the
 * `stream_progress` projection (migration 005), so it reads a row per part rather than the events.
 */
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
