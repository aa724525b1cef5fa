import { describe, expect, it } from 'vitest';
import { schemaMigrationsDdl, statementsFor, UnsupportedDdlError } from './ddl-target.ts';
import { MIGRATIONS } from './index.ts';

const CLUSTER = { kind: 'cluster', cluster: 'tern_cluster' } as const;
const all = (target: Parameters<typeof statementsFor>[1]) =>
  MIGRATIONS.flatMap((m) => m.statements.flatMap((s) => statementsFor(s, target)));

describe('migrations on one node', () => {
  it('run as written (the integration tests run them for real)', () => {
    expect(all({ kind: 'single' })).toEqual(MIGRATIONS.flatMap((m) => m.statements));
    expect(schemaMigrationsDdl({ kind: 'single' })).toContain('ENGINE = ReplacingMergeTree ORDER BY version');
  });
});

describe('migrations on a cluster', () => {
  const statements = all(CLUSTER);

  it('run every statement on the whole cluster', () => {
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) expect(statement).toContain('ON CLUSTER tern_cluster');
    expect(schemaMigrationsDdl(CLUSTER)).toMatch(/ON CLUSTER tern_cluster .*ENGINE = ReplicatedReplacingMergeTree\(/s);
  });

  it('create each table as a replicated local table and a distributed one sharded by site and visitor', () => {
    const events = statements.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS events_local '));
    expect(events).toContain(
      "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/events_local', '{replica}')",
    );
    expect(events).toContain('replicated_deduplication_window = 10000');
    expect(events).toContain('ORDER BY (site_id, toDate(timestamp), visitor_id, timestamp)');
    expect(statements).toContain(
      'CREATE TABLE IF NOT EXISTS events ON CLUSTER tern_cluster AS events_local ' +
        'ENGINE = Distributed(tern_cluster, currentDatabase(), events_local, cityHash64(site_id, visitor_id))',
    );
    const sessions = statements.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS sessions_local '));
    expect(sessions).toContain("ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/sessions_local'");
    expect(statements.some((s) => /sessions ON CLUSTER .*cityHash64\(site_id, visitor_id\)/.test(s))).toBe(true);
    for (const name of ['bot_events', 'events_hourly']) {
      expect(statements.some((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${name}_local ON CLUSTER`))).toBe(true);
      expect(statements.some((s) => s.includes(`AS ${name}_local ENGINE = Distributed(`))).toBe(true);
    }
    expect(statements.join('\n')).not.toContain('non_replicated_deduplication_window');
  });

  it('feed sessions and rollups on each shard from its own events', () => {
    const views = statements.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'));
    expect(views).toHaveLength(2);
    for (const view of views) {
      expect(view).toMatch(/ TO (sessions|events_hourly)_local AS/);
      expect(view).toMatch(/FROM events_local\b/);
      expect(view).not.toMatch(/FROM events\b(?!_local)/);
    }
  });

  it('alter the local tables, a new column the distributed table too, and leave backfills out', () => {
    const alters = statements.filter((s) => s.startsWith('ALTER TABLE'));
    expect(
      alters.filter((s) => s.includes('ADD PROJECTION')).every((s) => s.startsWith('ALTER TABLE events_local ')),
    ).toBe(true);
    expect(alters.filter((s) => s.includes('ADD COLUMN IF NOT EXISTS region')).map((s) => s.split(' ')[2])).toEqual([
      'events_local',
      'events',
    ]);
    expect(statements.some((s) => s.startsWith('INSERT'))).toBe(false);
  });

  it('change the views on every node, reading the events of that node', () => {
    const modified = statements.filter((s) => s.includes('MODIFY QUERY'));
    expect(modified.map((s) => /^ALTER TABLE (\w+) ON CLUSTER tern_cluster MODIFY QUERY/.exec(s)?.[1])).toEqual([
      'sessions_mv',
      'sessions_mv',
      'events_hourly_mv',
    ]);
    for (const statement of modified) {
      expect(statement).toMatch(/FROM events_local\b/);
      expect(statement).not.toMatch(/FROM events\b/);
    }
    expect(modified[0]).toContain('argMinStateIf(pathname, _offset * 65536 + _index');
    expect(modified[1]).toContain('argMaxStateIf(toString(hostname), _offset * 65536 + _index');
  });

  it('refuses what it cannot rewrite, and cluster names that are not identifiers', () => {
    expect(() => statementsFor('DROP TABLE events', CLUSTER)).toThrow(UnsupportedDdlError);
    expect(() =>
      statementsFor('CREATE TABLE IF NOT EXISTS other (a UInt8) ENGINE = MergeTree ORDER BY a', CLUSTER),
    ).toThrow(/sharding key/);
    expect(() =>
      statementsFor('ALTER TABLE events ADD INDEX i a TYPE minmax', { kind: 'cluster', cluster: "x'; DROP" }),
    ).toThrow(UnsupportedDdlError);
  });
});
