import { freePort, tempDir } from './helpers.ts';
import { ServiceProcess } from './service-process.ts';

/**
 * The embedded warehouse in a process of its own behind ClickHouse's HTTP interface (apps/warehouse-server), so a
 * test can share it between processes, use the server code path, and kill or restart it.
 */
export class WarehouseServerProcess extends ServiceProcess {
  private constructor(
    readonly port: number,
    readonly dataDir: string,
  ) {
    super({
      name: 'warehouse-server',
      args: ['--import', 'tsx', 'apps/warehouse-server/src/main.ts'],
      env: { DATA_DIR: dataDir, WAREHOUSE_PORT: String(port), LOG_LEVEL: 'warn' },
      readyUrl: `http://127.0.0.1:${port}/ping`,
      logDir: dataDir,
    });
  }

  static async start(dataDir = tempDir('warehouse-server')): Promise<WarehouseServerProcess> {
    const server = new WarehouseServerProcess(await freePort(), dataDir);
    await server.start();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}
