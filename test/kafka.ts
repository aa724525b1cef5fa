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
    await killBroker(join(this.#runDir, 'pid'));
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

/**
 * A 3-node KRaft cluster of its own (`kafka.sh cluster-start`): client ports base..base+2, controllers base+100..102,
 * replication 3 and min.insync.replicas 2. Nodes can be killed and started one by one.
 */
/** Where Linux hands out ports for outgoing connections (net.ipv4.ip_local_port_range). */
const EPHEMERAL_PORTS_START = 32_768;

export class KafkaCluster {
  readonly #env: NodeJS.ProcessEnv;
  readonly #runDir = tempDir('cluster');

  private constructor(readonly basePort: number) {
    this.#env = {
      ...process.env,
      KAFKA_CLUSTER_PORT: String(basePort),
      KAFKA_RUN_DIR: this.#runDir,
      KAFKA_HEAP: '384m',
    };
  }

  /**
   * Finds six free ports at base..base+2 and base+100..base+102, below the kernel's ephemeral range (32768 and up on
   * Linux): ports there are free when checked but may be taken by any client's outgoing connection before the broker
   * binds them, and once were (a BindException in CI, with another fault scenario running beside this one).
   */
  static async onFreePorts(): Promise<KafkaCluster> {
    const { createServer } = await import('node:net');
    const free = (port: number) =>
      new Promise<boolean>((resolve) => {
        const server = createServer();
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
      });
    for (let attempt = 0; attempt < 50; attempt++) {
      const base = 20_000 + Math.floor(Math.random() * (EPHEMERAL_PORTS_START - 103 - 20_000));
      const ports = [0, 1, 2, 100, 101, 102].map((d) => base + d);
      if ((await Promise.all(ports.map(free))).every(Boolean)) return new KafkaCluster(base);
    }
    throw new Error('no free ports for a Kafka cluster');
  }

  get brokers(): string {
    return [0, 1, 2].map((i) => `127.0.0.1:${this.basePort + i}`).join(',');
  }

  async start(): Promise<void> {
    await promisify(execFile)('bash', [script, 'cluster-start'], { env: this.#env });
  }

  /** Starts node 1-3 again (it keeps its data) and waits until it is ready. */
  async startNode(node: number): Promise<void> {
    await promisify(execFile)('bash', [script, 'node-start', String(node)], { env: this.#env });
  }

  /** `kill -9` of node 1-3: no clean shutdown, as when a machine dies. */
  async kill(node: number): Promise<void> {
    await killBroker(join(this.#runDir, `node-${node}`, 'pid'));
  }

  stop(): void {
    spawnSync('bash', [script, 'cluster-stop'], { env: this.#env, stdio: 'inherit' });
  }
}

/** `kill -9` of the broker whose pid kafka.sh recorded, and a wait (10 s at most) until it is gone. */
async function killBroker(pidFile: string): Promise<void> {
  const pid = Number(readFileSync(pidFile, 'utf8'));
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
