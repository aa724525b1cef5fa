import { resolve } from 'node:path';
import { z } from 'zod';
import { parseEnv } from '../packages/service/src/index.ts';

/** The few variables the launcher itself needs; each service parses its own full configuration. */
const launcherEnvSchema = z.object({
  DATA_DIR: z.string().min(1).default('./data'),
  WEB_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  WEB_HOST: z.string().default('0.0.0.0'),
  COLLECTOR_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  KAFKA_BROKERS: z.string().optional(),
  CLICKHOUSE_URL: z.string().optional(),
  ADMIN_TOKEN: z.string().optional(),
});

export function loadLauncherConfig(env: Record<string, string | undefined> = process.env) {
  const e = parseEnv(launcherEnvSchema, env, 'launcher');
  return {
    dataDir: resolve(e.DATA_DIR),
    webPort: e.WEB_PORT,
    webHost: e.WEB_HOST,
    collectorPort: e.COLLECTOR_PORT,
    kafka: e.KAFKA_BROKERS,
    externalWarehouse: Boolean(e.CLICKHOUSE_URL),
    adminTokenSet: Boolean(e.ADMIN_TOKEN),
  };
}
