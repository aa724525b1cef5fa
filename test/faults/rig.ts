import type { KafkaLog } from '@tern/stream';
import { countEvents, openWarehouse, type Warehouse } from '@tern/warehouse';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { COLLECTOR_BUNDLE, COLLECTOR_ENV, COLLECTOR_NODE_ARGS } from '../../apps/collector/src/launch.ts';
import { type IsolatedEnv, isolatedCollectorEnv, prepareControlPlane } from '../control-plane.ts';
import { freePort, randomId, tempDir, waitFor } from '../helpers.ts';
import { ServiceProcess } from '../service-process.ts';
import { WarehouseServerProcess } from '../warehouse-server.ts';

export interface RigOptions {
  brokers: string;
  workers: number;
  /** How many of the workers start with the rig (default all); a scenario starts the others itself. */
  startWorkers?: number;
  /** More settings for every process (e.g. KAFKA_REPLICATION_FACTOR on a cluster). */
  env?: Record<string, string>;
}

/**
 * The whole pipeline as separate processes, as deployed: the collector bundle, ingest workers, and the warehouse
 * behind ClickHouse's HTTP interface, on topics and a database of this run's own. Any of them can be killed.
 */
export class FaultRig {
  readonly site: string;
  readonly groupId: string;
  #kafkaAdmin: Promise<Admin> | undefined;

  private constructor(
    readonly name: string,
    readonly env: IsolatedEnv,
    readonly admin: KafkaLog,
    readonly warehouseServer: WarehouseServerProcess,
    readonly warehouse: Warehouse,
    readonly collector: ServiceProcess,
    readonly workers: ServiceProcess[],
    readonly logDir: string,
    id: string,
  ) {
    this.site = `${name}-${id}.example`;
    this.groupId = `ingest-${id}`;
  }

  static async start(name: string, options: RigOptions): Promise<FaultRig> {
    const id = randomId();
    const site = `${name}-${id}.example`;
    const logDir = tempDir(`fault-${name}`);
    const env = isolatedCollectorEnv(options.brokers, id, { LOG_LEVEL: 'warn', ...options.env });
    const admin = await prepareControlPlane(env, [site]);
    const warehouseServer = await WarehouseServerProcess.start();
    const collectorPort = await freePort();
    const collector = new ServiceProcess({
      name: 'collector',
      args: [...COLLECTOR_NODE_ARGS, COLLECTOR_BUNDLE],
      env: {
        ...env,
        ...COLLECTOR_ENV,
        COLLECTOR_PORT: String(collectorPort),
        TRUSTED_PROXIES: '127.0.0.1',
        RATE_LIMIT_IP_PER_SECOND: '0',
        RATE_LIMIT_SITE_EVENTS_PER_SECOND: '0',
        COLLECTOR_ACK_TIMEOUT_MS: '5000',
      },
      readyUrl: `http://127.0.0.1:${collectorPort}/readyz`,
      logDir,
    });
    const workers: ServiceProcess[] = [];
    for (let i = 0; i < options.workers; i++) {
      const port = await freePort();
      workers.push(
        new ServiceProcess({
          name: `ingest-${i + 1}`,
          args: ['--import', 'tsx', 'packages/ingest/src/main.ts'],
          env: {
            ...env,
            CLICKHOUSE_URL: warehouseServer.url,
            CLICKHOUSE_DATABASE: 'tern',
            INGEST_GROUP_ID: `ingest-${id}`,
            INGEST_HOST: '127.0.0.1',
            INGEST_PORT: String(port),
            KAFKA_SESSION_TIMEOUT_MS: '6000',
          },
          readyUrl: `http://127.0.0.1:${port}/healthz`,
          logDir,
        }),
      );
    }
    await collector.start();
    // One at a time: each runs the migrations before it consumes.
    for (const worker of workers.slice(0, options.startWorkers ?? workers.length)) await worker.start();
    const warehouse = await openWarehouse({ kind: 'server', url: warehouseServer.url, database: 'tern' });
    return new FaultRig(name, env, admin, warehouseServer, warehouse, collector, workers, logDir, id);
  }

  get collectorUrl(): string {
    return this.collector.spec.readyUrl.replace('/readyz', '');
  }

  /** The node id of the broker leading the events partition with the most records. */
  async busiestPartitionLeader(): Promise<number> {
    const kafka = new Kafka({
      brokers: this.env.KAFKA_BROKERS.split(','),
      clientId: 'fault-leader',
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.env.TOPIC_EVENTS);
      const busiest = offsets.reduce((a, b) => (Number(b.high) > Number(a.high) ? b : a));
      const metadata = await admin.fetchTopicMetadata({ topics: [this.env.TOPIC_EVENTS] });
      const partition = metadata.topics[0]?.partitions.find((p) => p.partitionId === busiest.partition);
      if (!partition) throw new Error(`no metadata for partition ${busiest.partition}`);
      return partition.leader;
    } finally {
      await admin.disconnect();
    }
  }

  /** Committed offsets of the ingest group against the end of the events topic, summed over partitions. */
  async ingestProgress(): Promise<{ committed: number; end: number }> {
    const kafka = new Kafka({
      brokers: this.env.KAFKA_BROKERS.split(','),
      clientId: 'fault-progress',
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [ends, groups] = await Promise.all([
        admin.fetchTopicOffsets(this.env.TOPIC_EVENTS),
        admin.fetchOffsets({ groupId: this.groupId, topics: [this.env.TOPIC_EVENTS] }),
      ]);
      const end = ends.reduce((sum, p) => sum + Number(p.high), 0);
      const committed = (groups[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      return { committed, end };
    } finally {
      await admin.disconnect();
    }
  }

  /** Resolves when ClickHouse holds this many of the stream's events (roughly: the stream position of a fault). */
  async whenIngested(count: number): Promise<void> {
    // Counted in stored events, not offsets: a message carries a request's events.
    await waitFor(
      async () => ((await this.storedEvents()) >= count ? true : undefined),
      600_000,
      `ingest to reach ${count} events`,
    );
  }

  /** Events of the stream ClickHouse holds; 0 while it cannot answer. */
  storedEvents(): Promise<number> {
    return countEvents(this.warehouse.client, this.site).catch(() => 0);
  }

  /** Resolves when the ingest group has committed everything in the topic. */
  async drained(timeoutMs = 300_000): Promise<void> {
    await waitFor(
      async () => {
        const { committed, end } = await this.ingestProgress();
        return committed === end && end > 0 ? true : undefined;
      },
      timeoutMs,
      'ingest lag to reach zero',
    );
  }

  logs(): string {
    return [this.collector, ...this.workers, this.warehouseServer]
      .map((p) => `--- ${p.spec.name} (${p.logFile})\n${p.tail(15)}`)
      .join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all([this.collector.stop(), ...this.workers.map((w) => w.stop())]);
    await this.warehouse.close();
    await this.warehouseServer.stop();
    await this.admin.close();
    await (await this.#kafkaAdmin?.catch(() => undefined))?.disconnect();
  }
}
