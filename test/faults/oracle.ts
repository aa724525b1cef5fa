import type { ClickHouseClient } from '@clickhouse/client';
import type { EventStream } from './event-stream.ts';

export interface Verdict {
  sent: number;
  acked: number;
  stored: number;
  /** Acknowledged with 202 but not in the raw table. Must be 0. */
  lost: number;
  /** Stored more than once. Must be 0. */
  duplicated: number;
  /** Stored but never sent (a seq the stream did not produce). Must be 0. */
  unknown: number;
  /** Sent without an acknowledgement: arrived anyway, or not. Either is allowed. */
  unackedStored: number;
  unackedLost: number;
  /** Rollup cells, sessions and progress records that disagree with a recomputation from raw rows. Must be 0. */
  rollupMismatches: number;
  sessionMismatches: number;
  progressMismatches: number;
}

/**
 * The fault tests' oracle: the events the collector acknowledged are exactly the raw rows (each once), and the
 * derived tables agree with what the raw rows say. The recomputation is written here from the definitions
 * (Plausible's rules), not taken from the migrations that build those tables.
 */
export async function verify(
  client: ClickHouseClient,
  site: string,
  topic: string,
  stream: EventStream,
): Promise<Verdict> {
  const query = async <T>(sql: string): Promise<T[]> => {
    const result = await client.query({ query: sql, query_params: { site, topic }, format: 'JSONEachRow' });
    return result.json<T>();
  };
  const counts = await query<{ seq: string; n: number }>(
    `SELECT props['seq'] AS seq, count() AS n FROM events WHERE site_id = {site:String} GROUP BY seq`,
  );
  const stored = new Map(counts.map((row) => [Number(row.seq), Number(row.n)]));
  let lost = 0;
  let acked = 0;
  let unackedStored = 0;
  let unackedLost = 0;
  for (let seq = 0; seq < stream.sent; seq++) {
    const status = stream.statusOf(seq);
    const here = stored.has(seq);
    if (status === 'acked') {
      acked++;
      if (!here) lost++;
    } else if (here) unackedStored++;
    else unackedLost++;
  }
  let duplicated = 0;
  let unknown = 0;
  let rows = 0;
  for (const [seq, n] of stored) {
    rows += n;
    if (n > 1) duplicated += n - 1;
    if (!(seq >= 0 && seq < stream.sent) || stream.statusOf(seq) === 'unsent') unknown += n;
  }

  const [rollup] = await query<{ n: number }>(`
    SELECT count() AS n FROM (
      SELECT dimension, value, hour, uniqExactMerge(visitors) AS v, uniqExactMerge(visits) AS s,
             sum(pageviews) AS p, sum(events) AS e
      FROM events_hourly WHERE site_id = {site:String} GROUP BY dimension, value, hour
    ) AS rolled
    FULL OUTER JOIN (
      SELECT d.1 AS dimension, d.2 AS value, toStartOfHour(timestamp) AS hour, uniqExact(visitor_id) AS v,
             uniqExact(session_id) AS s, countIf(type = 'pageview') AS p, count() AS e
      FROM events
      ARRAY JOIN [
        ('', ''), ('event:page', pathname), ('event:hostname', toString(hostname)), ('event:name', toString(name)),
        ('visit:source', if(source = '', 'Direct / None', toString(source))),
        ('visit:referrer', if(referrer = '', 'Direct / None', referrer)),
        ('visit:utm_source', if(utm_source = '', '(not set)', utm_source)),
        ('visit:utm_medium', if(utm_medium = '', '(not set)', utm_medium)),
        ('visit:utm_campaign', if(utm_campaign = '', '(not set)', utm_campaign)),
        ('visit:country', if(country = '', '(not set)', toString(country))),
        ('visit:region', if(region = '', '(not set)', toString(region))),
        ('visit:city', if(city = '', '(not set)', toString(city))),
        ('visit:device', multiIf(screen_width = 0, '(not set)', screen_width < 576, 'Mobile',
          screen_width < 992, 'Tablet', screen_width < 1440, 'Laptop', 'Desktop')),
        ('visit:browser', if(browser = '', '(not set)', toString(browser))),
        ('visit:os', if(os = '', '(not set)', toString(os)))
      ] AS d
      WHERE site_id = {site:String} AND type != 'engagement'
      GROUP BY dimension, value, hour
    ) AS raw USING (dimension, value, hour)
    WHERE rolled.v != raw.v OR rolled.s != raw.s OR rolled.p != raw.p OR rolled.e != raw.e`);

  const [sessions] = await query<{ n: number }>(`
    SELECT count() AS n FROM (
      SELECT session_id, sum(pageviews) AS p, sum(events) AS e, argMinMerge(start) AS first,
             argMinMerge(entry_page) AS entry, argMaxMerge(exit_page) AS exit,
             max(entry_hostname) AS entry_host, argMaxMerge(exit_hostname) AS exit_host
      FROM sessions WHERE site_id = {site:String} GROUP BY session_id
    ) AS derived
    FULL OUTER JOIN (
      SELECT session_id, countIf(type = 'pageview') AS p, countIf(type != 'engagement') AS e,
             argMin(timestamp, (_offset, _index)) AS first,
             argMinIf(pathname, (_offset, _index), type = 'pageview') AS entry,
             argMaxIf(pathname, (_offset, _index), type = 'pageview') AS exit,
             toString(argMin(hostname, (_offset, _index))) AS entry_host,
             toString(argMaxIf(hostname, (_offset, _index), type = 'pageview')) AS exit_host
      FROM events WHERE site_id = {site:String} GROUP BY session_id
    ) AS raw USING (session_id)
    WHERE derived.p != raw.p OR derived.e != raw.e OR derived.first != raw.first
       OR derived.entry != raw.entry OR derived.exit != raw.exit
       OR derived.entry_host != raw.entry_host OR derived.exit_host != raw.exit_host`);

  // The progress record the worker resumes from (the stream_progress projection) against a scan of the rows.
  const [progress] = await query<{ n: number }>(`
    SELECT count() AS n FROM (
      SELECT _partition AS partition, max(_offset) AS top, count() AS rows FROM events
      WHERE _topic = {topic:String} GROUP BY partition
    ) AS recorded
    FULL OUTER JOIN (
      SELECT _partition AS partition, max(_offset) AS top, count() AS rows FROM events
      WHERE _topic = {topic:String} AND site_id = {site:String} GROUP BY partition
      SETTINGS optimize_use_projections = 0
    ) AS raw USING (partition)
    WHERE recorded.top != raw.top OR recorded.rows != raw.rows`);

  return {
    sent: stream.sent,
    acked,
    stored: rows,
    lost,
    duplicated,
    unknown,
    unackedStored,
    unackedLost,
    rollupMismatches: Number(rollup?.n ?? -1),
    sessionMismatches: Number(sessions?.n ?? -1),
    progressMismatches: Number(progress?.n ?? -1),
  };
}

export function describeVerdict(fault: string, verdict: Verdict): string {
  const v = verdict;
  return (
    `[fault] ${fault}: sent ${v.sent}, acked ${v.acked}, stored ${v.stored}; lost ${v.lost}, duplicated ${v.duplicated}, ` +
    `unknown ${v.unknown}; unacked stored ${v.unackedStored}, unacked lost ${v.unackedLost}; mismatches: ` +
    `rollup ${v.rollupMismatches}, sessions ${v.sessionMismatches}, progress ${v.progressMismatches}`
  );
}
