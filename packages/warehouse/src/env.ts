import { z } from 'zod';
import type { WarehouseConfig } from './client.ts';

/** Environment variables that say where ClickHouse is; merged into each app's config schema. */
export const warehouseEnvShape = {
  CLICKHOUSE_URL: z.url().optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and underscores')
    .default('tern'),
  /** A cluster name from the servers' `remote_servers`: migrations create replicated, sharded tables on it. */
  CLICKHOUSE_CLUSTER: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and underscores')
    .optional(),
};

export interface WarehouseEnv {
  CLICKHOUSE_URL?: string | undefined;
  CLICKHOUSE_USER?: string | undefined;
  CLICKHOUSE_PASSWORD?: string | undefined;
  CLICKHOUSE_DATABASE: string;
  CLICKHOUSE_CLUSTER?: string | undefined;
}

/** A server when CLICKHOUSE_URL is set, else chDB under `<dataDir>/warehouse`. */
export function warehouseConfigFrom(env: WarehouseEnv, dataDir: string): WarehouseConfig {
  if (!env.CLICKHOUSE_URL)
    return { kind: 'embedded', dataDir: `${dataDir}/warehouse`, database: env.CLICKHOUSE_DATABASE };
  return {
    kind: 'server',
    url: env.CLICKHOUSE_URL,
    database: env.CLICKHOUSE_DATABASE,
    ...(env.CLICKHOUSE_USER ? { username: env.CLICKHOUSE_USER } : {}),
    ...(env.CLICKHOUSE_PASSWORD ? { password: env.CLICKHOUSE_PASSWORD } : {}),
    ...(env.CLICKHOUSE_CLUSTER ? { cluster: env.CLICKHOUSE_CLUSTER } : {}),
  };
}
