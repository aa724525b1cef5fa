import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { ensureBuilt } from '../scripts/ensure-built.ts';
import { removeStaleTempDirs } from './helpers.ts';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const kafkaScript = join(root, 'infra/kafka/kafka.sh');
// A port of its own, so a developer's broker on 9092 is neither used nor disturbed.
const TEST_KAFKA_PORT = '19092';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

/** Starts what the tests need once: a real Kafka broker (unless KAFKA_BROKERS names one) and the builds. */
export default async function setup(project: TestProject): Promise<() => void> {
  const removed = removeStaleTempDirs(6 * 60 * 60 * 1000);
  if (removed > 0) console.log(`removed ${removed} temporary directories of test runs older than 6 hours`);
  ensureBuilt(root);
  const external = process.env.KAFKA_BROKERS;
  if (external) {
    project.provide('kafkaBrokers', external);
    return () => {};
  }
  const env = { ...process.env, KAFKA_PORT: TEST_KAFKA_PORT, KAFKA_RUN_DIR: join(root, 'infra/kafka/.run/test') };
  // A broker left over from an interrupted run is stopped first; its data is dropped for a clean start.
  spawnSync('bash', [kafkaScript, 'stop'], { env, stdio: 'inherit' });
  spawnSync('rm', ['-rf', env.KAFKA_RUN_DIR]);
  execFileSync('bash', [kafkaScript, 'start'], { env, stdio: 'inherit' });
  project.provide('kafkaBrokers', `127.0.0.1:${TEST_KAFKA_PORT}`);
  return () => {
    spawnSync('bash', [kafkaScript, 'stop'], { env, stdio: 'inherit' });
  };
}
