import type { Migration } from './migration.ts';

/**
 * A min-max index on the sessions' last activity. The sessions that overlap a range are found by the start second
 * in their ids, plus the few that began earlier and were still active at the range's start
 * (queries/stats/session-query.ts); this index lets that second lookup read a granule or two instead of every older
 * session of the site, since sessions are ordered by start and most end within the hour.
 */
export const addSessionLastSeenIndex: Migration = {
  version: 8,
  name: 'add session last-seen index',
  statements: [
    'ALTER TABLE sessions ADD INDEX IF NOT EXISTS last_seen_minmax last_seen TYPE minmax GRANULARITY 1',
    'ALTER TABLE sessions MATERIALIZE INDEX last_seen_minmax',
  ],
};
