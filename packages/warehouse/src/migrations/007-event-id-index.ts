import type { Migration } from './migration.ts';

/**
 * A bloom-filter index on event_id, so that history imports can ask "which of these ids are stored already?" for a
 * batch without reading every row of the days it covers.
 */
export const addEventIdIndex: Migration = {
  version: 7,
  name: 'add event id index',
  statements: [
    'ALTER TABLE events ADD INDEX IF NOT EXISTS event_id_bloom event_id TYPE bloom_filter(0.01) GRANULARITY 4',
    'ALTER TABLE events MATERIALIZE INDEX event_id_bloom',
  ],
};
