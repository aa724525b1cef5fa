import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from './helpers.ts';

const script = join(resolve(fileURLToPath(import.meta.url), '../..'), 'infra/kafka/kafka.sh');

/** A broker of a test's own (from infra/kafka), for fault tests that kill it without disturbing other tests. */
export class DedicatedBroker {
  readonly #env: NodeJS.ProcessEnv;
  readonly #runDir = tempDir('broker');

  private constructor(
    readonly port: number,
    controllerPort: number,
  ) {
    this.#env = {
      ...process.env,
      KAFKA_PORT: String(port),
      // Its own free port: the default (port + 1) next to an ephemeral port is often an open client socket.
      KAFKA_CONTROLLER_PORT: String(controllerPort),
      KAFKA_RUN_DIR: this.#runDir,
      KAFKA_HEAP: '512m',
    };
  }

  /** A broker on two free ports (client and controller), not started yet. */
  static async onFreePorts(): Promise<DedicatedBroker> {
    const { freePort } = await import('./helpers.ts');
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    return new DedicatedBroker(port, controllerPort);
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts, keeping its data) and waits until it is ready, without blocking this process. */
  async start(): Promise<void> {
    await promisify(execFile)('bash', [script, 'start'], { env: this.#env });
  }

  /** `kill -9`: no clean shutdown, as when a machine dies. */
  async kill(): Promise<void> {
    const pid = Number(readFileSync(join(this.#runDir, 'pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(): void {
    spawnSync('bash', [script, 'stop'], { env: this.#env, stdio: 'inherit' });
  }
}

/** The broker a benchmark uses: KAFKA_BROKERS when set, else a dedicated one it starts now and stops after. */
export async function benchBroker(): Promise<{ brokers: string; stop(): void }> {
  const external = process.env.KAFKA_BROKERS;
  if (external) return { brokers: external, stop() {} };
  const broker = await DedicatedBroker.onFreePorts();
  await broker.start();
  return { brokers: broker.brokers, stop: () => broker.stop() };
}
