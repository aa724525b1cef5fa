import type { ClickHouseClient } from '@clickhouse/client';
import { WarehouseError } from '../errors.ts';
import { createEvents } from './001-events.ts';
import { createBotEvents } from './002-bot-events.ts';
import { addEventLocation } from './003-event-location.ts';
import { createSessions } from './004-sessions.ts';
import { createIngestProgress } from './005-ingest-progress.ts';
import { createRollups } from './006-rollups.ts';
import { addEventIdIndex } from './007-event-id-index.ts';
import { addSessionLastSeenIndex } from './008-session-last-seen-index.ts';
import { addEventIndex } from './009-event-index.ts';
import { addVisitFromSession } from './010-visit-from-session.ts';
import { addEventRevenue } from './011-event-revenue.ts';
import { type DdlTarget, SINGLE_NODE, schemaMigrationsDdl, statementsFor } from './ddl-target.ts';
import type { Migration } from './migration.ts';

export const MIGRATIONS: readonly Migration[] = [
  createEvents,
  createBotEvents,
  addEventLocation,
  createSessions,
  createIngestProgress,
  createRollups,
  addEventIdIndex,
  addSessionLastSeenIndex,
  addEventIndex,
  addVisitFromSession,
  addEventRevenue,
];

/**
 * Applies the migrations this warehouse has not seen, in order. Safe to run at every start-up. On a cluster the
 * statements are rewritten for it (`ddl-target.ts`). `through` stops after that version: the schema an older
 * release left, for the upgrade test.
 */
export async function migrate(
  client: ClickHouseClient,
  target: DdlTarget = SINGLE_NODE,
  through = Number.POSITIVE_INFINITY,
): Promise<number[]> {
  await client.command({ query: schemaMigrationsDdl(target) });
  const result = await client.query({ query: 'SELECT version FROM schema_migrations FINAL', format: 'JSONEachRow' });
  const applied = new Set((await result.json<{ version: number }>()).map((row) => row.version));
  const newlyApplied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version) || migration.version > through) continue;
    try {
      for (const statement of migration.statements.flatMap((s) => statementsFor(s, target))) {
        await client.command({ query: statement });
      }
      await client.insert({
        table: 'schema_migrations',
        values: [{ version: migration.version, name: migration.name }],
        format: 'JSONEachRow',
      });
    } catch (cause) {
      throw new WarehouseError(`migration ${migration.version} (${migration.name})`, false, { cause });
    }
    newlyApplied.push(migration.version);
  }
  return newlyApplied;
}
