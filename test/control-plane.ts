import { type ChildProcess, spawn } from 'node:child_process';
import { SaltRing, SiteDirectory } from '@tern/control';
import { enrichedEventSchema } from '@tern/events';
import { KafkaLog, pipelineTopicSpecs } from '@tern/stream';
import { loadCollectorConfig } from '../apps/collector/src/config.ts';
import { COLLECTOR_BUNDLE, COLLECTOR_ENV, COLLECTOR_NODE_ARGS } from '../apps/collector/src/launch.ts';
import { freePort, waitFor } from './helpers.ts';
import { repoRoot } from './service-process.ts';

export type IsolatedEnv = Record<string, string> & {
  KAFKA_BROKERS: string;
  TOPIC_EVENTS: string;
  TOPIC_IMPORT: string;
  TOPIC_BOTS: string;
  TOPIC_DEAD_LETTER: string;
  TOPIC_SITES: string;
  TOPIC_SALTS: string;
};

/** Collector environment with topics of this test's own (`<name>-<id>`), on the given brokers. */
export function isolatedCollectorEnv(brokers: string, id: string, extra: Record<string, string> = {}): IsolatedEnv {
  return {
    KAFKA_BROKERS: brokers,
    COLLECTOR_PORT: '0',
    COLLECTOR_HOST: '127.0.0.1',
    TOPIC_EVENTS: `events-${id}`,
    TOPIC_IMPORT: `import-${id}`,
    TOPIC_DEAD_LETTER: `dlq-${id}`,
    TOPIC_BOTS: `bots-${id}`,
    TOPIC_SITES: `sites-${id}`,
    TOPIC_SALTS: `salts-${id}`,
    TOPIC_TOKENS: `tokens-${id}`,
    TOPIC_SHARES: `shares-${id}`,
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

/**
 * What the web app does before a collector can accept events: create the topics, register the sites and publish
 * the day's salt. Returns the admin log, for reading topics afterwards.
 */
export async function prepareControlPlane(env: IsolatedEnv, domains: string[]): Promise<KafkaLog> {
  const brokers = env.KAFKA_BROKERS;
  const admin = new KafkaLog({ brokers: brokers.split(','), clientId: `admin-${env.TOPIC_EVENTS}` });
  const { stream } = loadCollectorConfig(env);
  await admin.ensureTopics(pipelineTopicSpecs(stream));
  const producer = await admin.producer();
  const sites = new SiteDirectory(admin, stream.topics.sites, 'test');
  const salts = new SaltRing(admin, stream.topics.salts, 'test');
  await Promise.all([sites.start(), salts.start()]);
  for (const domain of domains) await sites.register(producer, { domain, timezone: 'UTC', createdAt: Date.now() });
  await salts.rotate(producer, Date.now());
  await Promise.all([sites.stop(), salts.stop(), producer.close()]);
  return admin;
}

/** A collector in this process on isolated topics, with its sites registered; `stop` closes both. */
export async function startIsolatedCollector(env: IsolatedEnv, domains: string[]) {
  const admin = await prepareControlPlane(env, domains);
  const { startCollector } = await import('../apps/collector/src/collector.ts');
  const collector = await startCollector(loadCollectorConfig(env));
  return {
    admin,
    collector,
    async stop() {
      await collector.stop();
      await admin.close();
    },
  };
}

/** The collector's bundle started as production starts it (`launch.ts`), in a process of its own. */
export function spawnCollectorBundle(env: IsolatedEnv): ChildProcess {
  return spawn(process.execPath, [...COLLECTOR_NODE_ARGS, COLLECTOR_BUNDLE], {
    cwd: repoRoot,
    env: { ...process.env, ...env, ...COLLECTOR_ENV },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

export interface SpawnedCollector {
  env: IsolatedEnv;
  /** The admin log `prepareControlPlane` returned: the caller closes it. */
  admin: KafkaLog;
  child: ChildProcess;
  url: string;
  /** The process's exit code once it ends. */
  exited: Promise<number | null>;
}

/**
 * The collector's bundle in a process of its own, on a free port, once `site` is registered: what the shutdown,
 * cluster and threads tests start. The limit per IP is off (a test sends everything from one address) and
 * warnings are logged; `extra` adds to the environment.
 */
export async function spawnCollectorForSite(
  brokers: string,
  id: string,
  site: string,
  extra: Record<string, string> = {},
): Promise<SpawnedCollector> {
  const port = await freePort();
  const env = isolatedCollectorEnv(brokers, id, {
    COLLECTOR_PORT: String(port),
    RATE_LIMIT_IP_PER_SECOND: '0',
    LOG_LEVEL: 'warn',
    ...extra,
  });
  const admin = await prepareControlPlane(env, [site]);
  const child = spawnCollectorBundle(env);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { env, admin, child, url: `http://127.0.0.1:${port}`, exited };
}

/**
 * Reads the events topic from its beginning until every pathname in `expected` is on it; the error of a timeout
 * says how many are missing. Returns every pathname read.
 */
export async function expectPathnamesOnTopic(
  admin: KafkaLog,
  env: IsolatedEnv,
  expected: Iterable<string>,
  what: string,
): Promise<Set<string>> {
  const wanted = [...expected];
  const onTopic = new Set<string>();
  const consumer = admin.consumer({
    groupId: `check-${env.TOPIC_EVENTS}`,
    topics: [env.TOPIC_EVENTS],
    fromBeginning: true,
  });
  await consumer.run(async (batch) => {
    for (const m of batch.messages)
      for (const line of (m.value?.toString() ?? '').split('\n'))
        onTopic.add(enrichedEventSchema.parse(JSON.parse(line)).pathname);
  });
  try {
    await waitFor(async () => (wanted.every((p) => onTopic.has(p)) ? true : undefined), 30_000, what).catch(
      (error: unknown) => {
        const missing = wanted.filter((p) => !onTopic.has(p));
        throw new Error(`${String(error)}: ${missing.length} of ${wanted.length} missing`);
      },
    );
  } finally {
    await consumer.stop();
  }
  return onTopic;
}
