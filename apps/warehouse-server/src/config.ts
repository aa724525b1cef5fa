import { resolve } from 'node:path';
import { logLevelEnvShape, parseEnv } from '@tern/service';
import { z } from 'zod';

const warehouseServerEnvSchema = z.object({
  DATA_DIR: z.string().min(1).default('.data'),
  WAREHOUSE_HOST: z.string().default('127.0.0.1'),
  WAREHOUSE_PORT: z.coerce.number().int().min(0).max(65535).default(8123),
  /** When set, every request must carry it (basic auth or X-ClickHouse-Key), as a ClickHouse user's password. */
  WAREHOUSE_PASSWORD: z.string().min(1).optional(),
  ...logLevelEnvShape,
});

export interface WarehouseServerConfig {
  dataDir: string;
  host: string;
  port: number;
  password: string | undefined;
  logLevel: string;
}

export function loadWarehouseServerConfig(
  env: Record<string, string | undefined> = process.env,
): WarehouseServerConfig {
  const e = parseEnv(warehouseServerEnvSchema, env, 'warehouse-server');
  return {
    // The same directory the in-process warehouse uses, so one data set serves both ways of running.
    dataDir: resolve(e.DATA_DIR, 'warehouse'),
    host: e.WAREHOUSE_HOST,
    port: e.WAREHOUSE_PORT,
    password: e.WAREHOUSE_PASSWORD,
    logLevel: e.LOG_LEVEL,
  };
}
