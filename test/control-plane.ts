import { SaltRing, SiteDirectory } from '@tern/control';
import { KafkaLog, pipelineTopicSpecs } from '@tern/stream';
import { loadCollectorConfig } from '../apps/collector/src/config.ts';

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
