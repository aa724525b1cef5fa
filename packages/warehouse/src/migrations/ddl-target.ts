/**
 * Where the migrations run: one ClickHouse node (the statements as written), or a cluster (`CLICKHOUSE_CLUSTER`),
 * for which each statement is rewritten:
 *
 * - a table `x` becomes `x_local` with the Replicated engine of the same family on every node
 *   (`/clickhouse/tables/{shard}/{database}/x_local`, replica `{replica}`, the server's macros), plus a `Distributed`
 *   table `x` over it, which the queries and inserts use unchanged. Tables with visitors are sharded by
 *   `cityHash64(site_id, visitor_id)`, so a visitor's events, and so each session, stay on one shard; the others by
 *   site;
 * - `non_replicated_deduplication_window` becomes `replicated_deduplication_window` (see the README: dedup of
 *   re-delivered batches);
 * - materialized views read and write the local tables, on every node, so each shard derives its own sessions and
 *   rollups from its own events;
 * - `ALTER TABLE` targets the local tables (and, for a new column, the distributed one too); every statement is
 *   `ON CLUSTER`;
 * - backfills (`INSERT … SELECT`) are left out: a new cluster starts empty, and moving a single node's data into a
 *   cluster is a data migration, not a schema one.
 */
export type DdlTarget = { kind: 'single' } | { kind: 'cluster'; cluster: string };

export const SINGLE_NODE: DdlTarget = { kind: 'single' };

/** Tables the migrations create, and how a cluster shards them. */
const SHARDING: Record<string, string> = {
  events: 'cityHash64(site_id, visitor_id)',
  sessions: 'cityHash64(site_id, visitor_id)',
  events_hourly: 'cityHash64(site_id)',
  bot_events: 'cityHash64(site_id)',
};

const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS (\w+) \(/;
const CREATE_VIEW = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS/;
const ALTER_TABLE = /^ALTER TABLE (\w+)(\s)/;
const MODIFY_VIEW_QUERY = /^ALTER TABLE (\w+_mv) MODIFY QUERY/;
const ENGINE = /ENGINE = (\w*)MergeTree(\(\))?/;

export class UnsupportedDdlError extends Error {
  override readonly name = 'UnsupportedDdlError';
}

/** The statements to run for one migration statement on a target (one, several, or none). */
export function statementsFor(statement: string, target: DdlTarget): string[] {
  if (target.kind === 'single') return [statement];
  const text = statement.trim();
  const cluster = `ON CLUSTER ${quoteCluster(target.cluster)}`;

  const table = CREATE_TABLE.exec(text);
  if (table) {
    const name = table[1] as string;
    const sharding = SHARDING[name];
    if (!sharding) throw new UnsupportedDdlError(`no sharding key for table ${name}`);
    const local = `${name}_local`;
    const engine = ENGINE.exec(text);
    if (!engine) throw new UnsupportedDdlError(`table ${name}: no MergeTree engine`);
    const replicated = `ENGINE = Replicated${engine[1]}MergeTree('/clickhouse/tables/{shard}/{database}/${local}', '{replica}')`;
    const localDdl = text
      .replace(CREATE_TABLE, `CREATE TABLE IF NOT EXISTS ${local} ${cluster} (`)
      .replace(ENGINE, replicated)
      .replace(/non_replicated_deduplication_window/g, 'replicated_deduplication_window');
    const distributed =
      `CREATE TABLE IF NOT EXISTS ${name} ${cluster} AS ${local} ` +
      `ENGINE = Distributed(${quoteCluster(target.cluster)}, currentDatabase(), ${local}, ${sharding})`;
    return [localDdl, distributed];
  }

  const view = CREATE_VIEW.exec(text);
  if (view) {
    const [, name, to] = view as unknown as [string, string, string];
    return [
      text
        .replace(CREATE_VIEW, `CREATE MATERIALIZED VIEW IF NOT EXISTS ${name} ${cluster} TO ${to}_local AS`)
        .replace(localReferences, (_match, keyword: string, referenced: string) => `${keyword} ${referenced}_local`),
    ];
  }

  const modify = MODIFY_VIEW_QUERY.exec(text);
  if (modify) {
    const name = modify[1] as string;
    // The view keeps its name on every node (see CREATE_VIEW); its query reads the node's local events.
    return [
      text
        .replace(MODIFY_VIEW_QUERY, `ALTER TABLE ${name} ${cluster} MODIFY QUERY`)
        .replace(localReferences, (_match, keyword: string, referenced: string) => `${keyword} ${referenced}_local`),
    ];
  }

  const alter = ALTER_TABLE.exec(text);
  if (alter) {
    const name = alter[1] as string;
    const local = text.replace(ALTER_TABLE, `ALTER TABLE ${name}_local ${cluster}$2`);
    // A new column must exist on the distributed table as well; projections and indexes live in the parts only.
    return /\bADD COLUMN\b/.test(text)
      ? [local, text.replace(ALTER_TABLE, `ALTER TABLE ${name} ${cluster}$2`)]
      : [local];
  }

  if (/^INSERT INTO \w+\s/.test(text)) return [];
  throw new UnsupportedDdlError(`cannot rewrite for a cluster: ${text.slice(0, 60)}`);
}

/** `FROM events`, `JOIN sessions`: the tables a view's SELECT reads, which on a cluster are the local ones. */
const localReferences = new RegExp(`\\b(FROM|JOIN) (${Object.keys(SHARDING).join('|')})\\b`, 'g');

function quoteCluster(cluster: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(cluster)) throw new UnsupportedDdlError(`cluster name ${cluster}`);
  return cluster;
}

/** The migrations' bookkeeping table: on a cluster, one replicated copy on every node, read by whichever migrates. */
export function schemaMigrationsDdl(target: DdlTarget): string {
  const columns = `(version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))`;
  if (target.kind === 'single') {
    return `CREATE TABLE IF NOT EXISTS schema_migrations ${columns} ENGINE = ReplacingMergeTree ORDER BY version`;
  }
  return (
    `CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER ${quoteCluster(target.cluster)} ${columns} ` +
    `ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/schema_migrations', '{shard}-{replica}') ORDER BY version`
  );
}
