import { sessionsViewQuery } from './004-sessions.ts';
import type { Migration } from './migration.ts';

/**
 * A message of the events topic may carry several events (a request's, @tern/events event-message.ts), all at one
 * offset. `_index` is an event's line within its message, and sessions order a visitor's events by offset, then
 * line: `_offset * 65536 + _index` keeps the aggregate states' UInt64 type, so no session is rewritten, and orders
 * every row written before this migration (line 0, smaller offsets) ahead of those after it. A message holds at
 * most a batch (50 events), far below 65,536.
 */
export const addEventIndex: Migration = {
  version: 9,
  name: 'add event index within its message',
  statements: [
    'ALTER TABLE events ADD COLUMN IF NOT EXISTS _index UInt16 DEFAULT 0 AFTER _offset',
    `ALTER TABLE sessions_mv MODIFY QUERY\n${sessionsViewQuery('_offset * 65536 + _index')}`,
  ],
};
