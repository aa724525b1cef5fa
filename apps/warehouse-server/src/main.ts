import { mkdirSync } from 'node:fs';
import pino from 'pino';
import { loadWarehouseServerConfig } from './config.ts';
import { openEngine } from './engine.ts';
import { startWarehouseServer } from './server.ts';

/** `npm run warehouse`: the embedded warehouse (chDB) behind ClickHouse's HTTP interface, for CLICKHOUSE_URL. */
const config = loadWarehouseServerConfig();
const logger = pino({ level: config.logLevel, base: { service: 'warehouse-server' } });
mkdirSync(config.dataDir, { recursive: true });
const server = await startWarehouseServer({
  engine: openEngine(config.dataDir),
  host: config.host,
  port: config.port,
  password: config.password,
  logger,
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    const deadline = setTimeout(() => process.exit(1), 15_000);
    await server.close();
    clearTimeout(deadline);
    process.exit(0);
  });
}
