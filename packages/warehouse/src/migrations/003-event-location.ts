import type { Migration } from './migration.ts';

/** Region and city of the visit, from an optional city-level GeoIP database in the collector. */
export const addEventLocation: Migration = {
  version: 3,
  name: 'add region and city to events',
  statements: [
    `ALTER TABLE events
      ADD COLUMN IF NOT EXISTS region LowCardinality(String) AFTER country,
      ADD COLUMN IF NOT EXISTS city LowCardinality(String) AFTER region`,
  ],
};
