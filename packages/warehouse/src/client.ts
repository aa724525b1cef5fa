import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ClickHouseClient, type ClickHouseSettings, createClient } from '@clickhouse/client';
import { type DdlTarget, SINGLE_NODE } from './migrations/ddl-target.ts';

export type WarehouseConfig =
  | { kind: 'embedded'; dataDir: string; database: string }
  | { kind: 'server'; url: string; username?: string; password?: string; database: string; cluster?: string };

export interface Warehouse {
  readonly kind: WarehouseConfig['kind'];
  readonly database: string;
  readonly client: ClickHouseClient;
  /**
   * The same warehouse with bounds on what one statement may cost (QUERY_LIMITS): for queries that people and API
   * callers shape, so that none can run for minutes, exhaust memory or return millions of rows.
   */
  readonly reader: ClickHouseClient;
  /** One node, or the cluster that `migrate` creates tables on (CLICKHOUSE_CLUSTER). */
  readonly ddlTarget: DdlTarget;
  close(): Promise<void>;
}

/**
 * The two engines answer alike only if these are pinned: a server quotes 64-bit integers in JSON by
 * default, chDB does not. Counts stay far below 2^53, so both return numbers; ids that need all 64
 * bits are selected with toString().
 */
const SHARED_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 0,
  date_time_output_format: 'simple',
  // chDB applies settings with SET, which outlives the statement: without this, an insert that brings no token of
  // its own would inherit the previous insert's and could be dropped as its duplicate.
  insert_deduplication_token: '',
  // Session metrics keep the sessions of a range with `session_id IN (SELECT … FROM events …)`. Using that set of
  // 10^5 ids for primary-key analysis cost more than it saved: 294 ms against 49 ms for 162,000 sessions of one
  // site (bench/query.ts data set). The set still filters the rows.
  use_index_for_in_with_subqueries: 0,
};

/**
 * Bounds of a statement that a request shapes. ClickHouse stops it with an error (TIMEOUT_EXCEEDED,
 * MEMORY_LIMIT_EXCEEDED, TOO_MANY_ROWS_OR_BYTES) that the query API answers with 503 or 400 (`queryLimitOf`).
 */
export const QUERY_LIMITS = {
  max_execution_time: 30,
  timeout_overflow_mode: 'throw',
  max_memory_usage: String(1024 ** 3),
  max_result_rows: String(200_000),
  result_overflow_mode: 'throw',
} satisfies ClickHouseSettings;

/**
 * chDB applies a statement's settings with SET, which outlives it: the writer's statements set the limits back to
 * unbounded, or an insert after a query would inherit the query's bounds.
 */
const UNBOUNDED: ClickHouseSettings = { max_execution_time: 0, max_memory_usage: '0', max_result_rows: '0' };

// chDB binds one data directory per process, so the embedded warehouse is a process-wide singleton;
// it lives on globalThis because Next.js bundles give each route its own copy of this module.
const EMBEDDED = Symbol.for('tern.warehouse.embedded');
type EmbeddedSlot = { dataDir: string; warehouse: Promise<Warehouse>; users: number };
const globalSlot = globalThis as { [EMBEDDED]?: EmbeddedSlot };

/** Opens ClickHouse: chDB in this process (loaded only in that case), or a server over HTTP. */
export async function openWarehouse(config: WarehouseConfig): Promise<Warehouse> {
  if (config.kind === 'server') return openServer(config);
  const dataDir = resolve(config.dataDir);
  const slot = globalSlot[EMBEDDED];
  if (slot) {
    if (slot.dataDir !== dataDir) {
      throw new Error(`this process already owns the embedded warehouse at ${slot.dataDir}; chDB allows one`);
    }
    slot.users++;
    return slot.warehouse;
  }
  const warehouse = openEmbedded(dataDir, config.database);
  globalSlot[EMBEDDED] = { dataDir, warehouse, users: 1 };
  return warehouse;
}

async function openEmbedded(dataDir: string, database: string): Promise<Warehouse> {
  mkdirSync(dataDir, { recursive: true });
  const { createChdbConnection } = await import('chdb/connection');
  const connection = createChdbConnection({ path: dataDir });
  const bootstrap = createClient({ ...({ connection } as object), clickhouse_settings: SHARED_SETTINGS });
  await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)}` });
  // The connection ignores the client's `database`; the session's current database does that job, so tables land
  // in the same database as on a server and one data directory serves both ways of running.
  await bootstrap.command({ query: `USE ${quoteIdentifier(database)}` });
  // The connection hook is experimental in @clickhouse/client and not in its public option types.
  const on = (settings: ClickHouseSettings) =>
    createClient({ ...({ connection } as object), database, clickhouse_settings: { ...SHARED_SETTINGS, ...settings } });
  const client = on(UNBOUNDED);
  const reader = on(QUERY_LIMITS);
  return {
    kind: 'embedded',
    database,
    client,
    reader,
    ddlTarget: SINGLE_NODE,
    async close() {
      const slot = globalSlot[EMBEDDED];
      if (!slot || --slot.users > 0) return;
      delete globalSlot[EMBEDDED];
      await Promise.all([client.close(), reader.close()]);
    },
  };
}

async function openServer(config: Extract<WarehouseConfig, { kind: 'server' }>): Promise<Warehouse> {
  const credentials = {
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
  };
  const bootstrap = createClient({ url: config.url, ...credentials });
  try {
    const onCluster = config.cluster ? ` ON CLUSTER ${quoteIdentifier(config.cluster)}` : '';
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(config.database)}${onCluster}` });
  } finally {
    await bootstrap.close();
  }
  const client = createClient({
    url: config.url,
    ...credentials,
    database: config.database,
    clickhouse_settings: {
      ...SHARED_SETTINGS,
      // Through a Distributed table, an insert is acknowledged only once every shard has written its part, so an
      // offset is never committed for rows still queued on the inserting node.
      ...(config.cluster ? { distributed_foreground_insert: 1 } : {}),
    },
    request_timeout: 60_000,
  });
  const reader = createClient({
    url: config.url,
    ...credentials,
    database: config.database,
    clickhouse_settings: { ...SHARED_SETTINGS, ...QUERY_LIMITS },
    request_timeout: 60_000,
  });
  const ddlTarget: DdlTarget = config.cluster ? { kind: 'cluster', cluster: config.cluster } : SINGLE_NODE;
  return {
    kind: 'server',
    database: config.database,
    client,
    reader,
    ddlTarget,
    close: async () => {
      await Promise.all([client.close(), reader.close()]);
    },
  };
}

/** Database names come from configuration, not from users; still, quote them as identifiers. */
export function quoteIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid ClickHouse identifier: ${name}`);
  return `\`${name}\``;
}
