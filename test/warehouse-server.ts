import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, tempDir, waitFor } from './helpers.ts';

const root = resolve(fileURLToPath(import.meta.url), '../..');

/**
 * The embedded warehouse in a process of its own behind ClickHouse's HTTP interface (apps/warehouse-server), so a
 * test can share it between processes, use the server code path, and kill or restart it.
 */
export class WarehouseServerProcess {
  #child: ChildProcess | undefined;
  readonly dataDir: string;

  private constructor(
    readonly port: number,
    dataDir: string,
  ) {
    this.dataDir = dataDir;
  }

  static async start(dataDir = tempDir('warehouse-server')): Promise<WarehouseServerProcess> {
    const server = new WarehouseServerProcess(await freePort(), dataDir);
    await server.start();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts on the same data) and waits until it answers. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/warehouse-server/src/main.ts'], {
      cwd: root,
      env: { ...process.env, DATA_DIR: this.dataDir, WAREHOUSE_PORT: String(this.port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    this.#child = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`warehouse server exited with ${child.exitCode}`);
        const response = await fetch(`${this.url}/ping`).catch(() => undefined);
        return response?.ok ? true : undefined;
      },
      30_000,
      'the warehouse server to answer',
    );
  }

  /** `kill -9`, and waits until the process is gone (its data directory is then free). */
  async kill(): Promise<void> {
    await this.#end('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.#end('SIGTERM');
  }

  async #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
  }
}
