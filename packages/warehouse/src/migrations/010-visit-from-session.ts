import { screenClassSql } from '../screen-class.ts';
import { sessionsViewQuery } from './004-sessions.ts';
import type { Migration } from './migration.ts';

const ORDER = '_offset * 65536 + _index';

/**
 * The rollup's dimensions since this migration (006 holds the first list): `visit:device` is the session's screen
 * class, as in Plausible, no longer the user agent's device type (which stays on events as `device`, answered from
 * the raw rows under `visit:device_type`).
 */
export const ROLLUP_DIMENSION_VALUES = `[
  ('', ''),
  ('event:page', pathname),
  ('event:hostname', toString(hostname)),
  ('event:name', toString(name)),
  ('visit:source', if(source = '', 'Direct / None', toString(source))),
  ('visit:referrer', if(referrer = '', 'Direct / None', referrer)),
  ('visit:utm_source', if(utm_source = '', '(not set)', utm_source)),
  ('visit:utm_medium', if(utm_medium = '', '(not set)', utm_medium)),
  ('visit:utm_campaign', if(utm_campaign = '', '(not set)', utm_campaign)),
  ('visit:country', if(country = '', '(not set)', toString(country))),
  ('visit:region', if(region = '', '(not set)', toString(region))),
  ('visit:city', if(city = '', '(not set)', toString(city))),
  ('visit:device', ${screenClassSql('screen_width')}),
  ('visit:browser', if(browser = '', '(not set)', toString(browser))),
  ('visit:os', if(os = '', '(not set)', toString(os)))
]`;

const rollupSelect = (dimensions: string, where = '') => `
  SELECT
    site_id,
    dimension_value.1 AS dimension,
    dimension_value.2 AS value,
    toStartOfHour(timestamp) AS hour,
    uniqExactState(visitor_id) AS visitors,
    uniqExactState(session_id) AS visits,
    toUInt64(countIf(type = 'pageview')) AS pageviews,
    toUInt64(count()) AS events
  FROM events
  ARRAY JOIN ${dimensions} AS dimension_value
  WHERE type != 'engagement'${where}
  GROUP BY site_id, dimension, value, hour`;

/** The visit attributes of a session row that `any` merges: a backfill row repeats the stored ones. */
const ANY_COLUMNS = [
  'visitor_id',
  'referrer',
  'source',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'country',
  'region',
  'city',
  'device',
  'browser',
  'browser_version',
  'os',
  'os_version',
];

/**
 * Visit attributes from the session's first event, as Plausible keeps them (shared/SEMANTICS.md, visit dimensions):
 *
 * - events get `entry_hostname`, the hostname the session entered on, which the ingest worker copies to every event
 *   of the session as it copies the source; the worker also writes the session's first screen width to each event.
 *   Rows stored before read their own hostname (the column's default) and keep their own width: a session that
 *   crossed hostnames or resized its window before this migration is classed by each event's own values;
 * - sessions get the entry hostname, the exit hostname (the last page view's, as the exit page) and the screen
 *   width. Stored sessions are backfilled from their events: one more partial row per session that repeats the
 *   stored `any` attributes (so the merge keeps them) and carries the new columns, with empty states and zero sums
 *   elsewhere, which merge as nothing. The hostname and width merge by `max`, not `any`: the stored rows read '' and
 *   0 in the new columns, which `any` could keep (the upgrade test caught it), while every new row of a session
 *   carries the same value;
 * - the rollup's `visit:device` rows become screen classes: the view's query changes, the old rows are deleted and
 *   rebuilt from the events.
 *
 * The backfills assume no ingest runs meanwhile (the embedded pipeline migrates before it consumes; on a server,
 * stop the workers for the upgrade): a block inserted between the view's change and its backfill would count twice
 * in the rollup's sums.
 */
export const addVisitFromSession: Migration = {
  version: 10,
  name: 'visit attributes from the session: entry and exit hostname, screen class',
  statements: [
    'ALTER TABLE events ADD COLUMN IF NOT EXISTS entry_hostname LowCardinality(String) DEFAULT hostname AFTER hostname',
    `ALTER TABLE sessions
      ADD COLUMN IF NOT EXISTS entry_hostname SimpleAggregateFunction(max, String),
      ADD COLUMN IF NOT EXISTS exit_hostname AggregateFunction(argMax, String, UInt64),
      ADD COLUMN IF NOT EXISTS screen_width SimpleAggregateFunction(max, UInt16)`,
    `ALTER TABLE sessions_mv MODIFY QUERY\n${sessionsViewQuery(ORDER, true)}`,
    `INSERT INTO sessions (site_id, session_id, ${ANY_COLUMNS.join(', ')}, entry_hostname, exit_hostname, screen_width)
    SELECT s.site_id, s.session_id, ${ANY_COLUMNS.map((c) => `s.${c}`).join(', ')}, e.entry, e.exit, e.screen
    FROM (SELECT site_id, session_id, ${ANY_COLUMNS.join(', ')} FROM sessions FINAL) AS s
    INNER JOIN (
      SELECT site_id, session_id,
        argMin(toString(hostname), ${ORDER}) AS entry,
        argMaxStateIf(toString(hostname), ${ORDER}, type = 'pageview') AS exit,
        argMin(screen_width, ${ORDER}) AS screen
      FROM events
      GROUP BY site_id, session_id
    ) AS e ON s.site_id = e.site_id AND s.session_id = e.session_id
    SETTINGS insert_deduplicate = 0`,
    `ALTER TABLE events_hourly_mv MODIFY QUERY ${rollupSelect(ROLLUP_DIMENSION_VALUES)}`,
    "ALTER TABLE events_hourly DELETE WHERE dimension = 'visit:device' SETTINGS mutations_sync = 2",
    `INSERT INTO events_hourly ${rollupSelect(`[('visit:device', ${screenClassSql('screen_width')})]`)} SETTINGS insert_deduplicate = 0`,
  ],
};
