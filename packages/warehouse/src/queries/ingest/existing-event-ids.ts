import type { ClickHouseClient } from '@clickhouse/client';

export interface EventIdProbe {
  siteId: string;
  eventId: string;
  timestamp: number;
}

/**
 * Which of these events are stored already, by id. History imports are replayed days or years later, beyond any
 * in-memory window, so their duplicates are found here; the site and day range prune by the primary key and the
 * bloom filter (migration 007) skips granules.
 */
export async function existingEventIds(client: ClickHouseClient, probes: EventIdProbe[]): Promise<Set<string>> {
  const found = new Set<string>();
  // Ids travel as a query parameter in the URL; chunks keep it well under ClickHouse's 1 MiB limit.
  for (let i = 0; i < probes.length; i += CHUNK) {
    for (const id of await existingIn(client, probes.slice(i, i + CHUNK))) found.add(id);
  }
  return found;
}

const CHUNK = 5000;

async function existingIn(client: ClickHouseClient, probes: EventIdProbe[]): Promise<string[]> {
  if (probes.length === 0) return [];
  const sites = [...new Set(probes.map((p) => p.siteId))];
  let from = Number.POSITIVE_INFINITY;
  let to = 0;
  for (const probe of probes) {
    from = Math.min(from, probe.timestamp);
    to = Math.max(to, probe.timestamp);
  }
  const result = await client.query({
    query: `SELECT toString(event_id) AS id FROM events
            WHERE site_id IN {sites:Array(String)}
              AND toDate(timestamp) BETWEEN toDate(fromUnixTimestamp64Milli({from:Int64})) AND toDate(fromUnixTimestamp64Milli({to:Int64}))
              AND event_id IN {ids:Array(UUID)}`,
    query_params: { sites, from, to, ids: probes.map((p) => p.eventId) },
    format: 'JSONEachRow',
  });
  return (await result.json<{ id: string }>()).map((row) => row.id);
}
