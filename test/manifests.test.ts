import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { collectorEnvSchema, loadCollectorConfig } from '../apps/collector/src/config.ts';
import { COLLECTOR_BUNDLE, COLLECTOR_ENV, COLLECTOR_NODE_ARGS } from '../apps/collector/src/launch.ts';
import { loadWebConfig, webEnvSchema } from '../apps/web/src/server/config.ts';
import { ingestEnvSchema, loadIngestConfig } from '../packages/ingest/src/config.ts';
import { repoRoot } from './service-process.ts';

/**
 * The deployment manifests against the code: every variable a manifest sets is one the app reads, and each app's
 * config loads from what its manifest gives it (so every required variable is set).
 */

type App = 'collector' | 'ingest' | 'web';
const SCHEMAS: Record<App, z.ZodObject> = {
  collector: collectorEnvSchema as unknown as z.ZodObject,
  ingest: ingestEnvSchema as unknown as z.ZodObject,
  web: webEnvSchema as unknown as z.ZodObject,
};
const LOADERS: Record<App, (env: Record<string, string>) => unknown> = {
  collector: loadCollectorConfig,
  ingest: loadIngestConfig,
  web: loadWebConfig,
};
/** Health endpoints each app serves, for the probes. */
const HEALTH: Record<App, string[]> = {
  collector: ['/healthz', '/readyz'],
  ingest: ['/healthz', '/readyz', '/metrics'],
  web: ['/api/health', '/api/ready'],
};
/** Parsed YAML: the tests walk known paths of Kubernetes objects, whose shape no type here describes. */
// biome-ignore lint/suspicious/noExplicitAny: see above
type Yaml = any;

const known = (app: App) => new Set(Object.keys(SCHEMAS[app].shape));
const knownAnywhere = new Set((Object.keys(SCHEMAS) as App[]).flatMap((app) => [...known(app)]));

function appOf(command: unknown): App {
  const text = JSON.stringify(command);
  if (text.includes('apps/collector/dist/main.mjs')) return 'collector';
  if (text.includes('packages/ingest/src/main.ts')) return 'ingest';
  if (text.includes('next/dist/bin/next')) return 'web';
  throw new Error(`no app for command ${text}`);
}

/** `${ADMIN_TOKEN:?…}` and `${X:-default}`: what docker compose would substitute (a stand-in for the required ones). */
const interpolate = (value: unknown) =>
  String(value).replace(/\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_m, _name, fallback) => fallback ?? 'x'.repeat(32));

function checkApp(app: App, env: Record<string, string>, where: string) {
  for (const name of Object.keys(env))
    expect(known(app).has(name), `${where}: ${app} does not read ${name}`).toBe(true);
  expect(() => LOADERS[app](env), `${where}: ${app} config`).not.toThrow();
}

describe('infra/docker-compose.yml', () => {
  const compose = parseAllDocuments(readFileSync(join(repoRoot, 'infra/docker-compose.yml'), 'utf8'), {
    merge: true,
  })[0]?.toJS() as { services: Record<string, Record<string, unknown>> };
  const apps = Object.entries(compose.services).filter(([, s]) => s.build);

  it('runs every app, with health checks and restart policies everywhere', () => {
    expect(new Set(apps.map(([, s]) => appOf(s.command)))).toEqual(new Set(['collector', 'ingest', 'web']));
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck, `${name} health check`).toBeDefined();
      expect(service.restart, `${name} restart policy`).toBe('unless-stopped');
    }
    expect(Object.keys(compose.services).filter((n) => n.startsWith('kafka-'))).toHaveLength(3);
    const replicas = (name: string) => (compose.services[name]?.deploy as { replicas?: number } | undefined)?.replicas;
    expect(replicas('collector')).toBe(2);
    expect(replicas('ingest')).toBe(2);
  });

  it.each(['collector', 'ingest', 'web'] as const)('gives the %s only variables it reads, and all it needs', (app) => {
    for (const [name, service] of apps.filter(([, s]) => appOf(s.command) === app)) {
      const env = Object.fromEntries(
        Object.entries((service.environment ?? {}) as Record<string, unknown>).map(([k, v]) => [k, interpolate(v)]),
      );
      checkApp(app, env, `compose service ${name}`);
      // The edge needs a broker connection only.
      if (app === 'collector') expect(Object.keys(env).filter((k) => k.startsWith('CLICKHOUSE'))).toEqual([]);
    }
  });
});

describe('infra/k8s', () => {
  const read = (dir: string) =>
    readdirSync(join(repoRoot, dir))
      .filter((file) => file.endsWith('.yaml'))
      .flatMap((file) =>
        parseAllDocuments(readFileSync(join(repoRoot, dir, file), 'utf8')).map((doc) => ({
          file: `${dir}/${file}`,
          doc: doc.toJS() as Yaml,
        })),
      );
  const base = read('infra/k8s/base').filter(({ doc }) => doc?.kind);
  const configMap = base.find(({ doc }) => doc.kind === 'ConfigMap')?.doc.data as Record<string, string>;
  const secret = base.find(({ doc }) => doc.kind === 'Secret')?.doc.stringData as Record<string, string>;
  const deployments = base.filter(({ doc }) => doc.kind === 'Deployment');

  it('keeps only variables some app reads in the ConfigMap and the Secret', () => {
    for (const name of [...Object.keys(configMap), ...Object.keys(secret)]) {
      expect(knownAnywhere.has(name), `no app reads ${name}`).toBe(true);
    }
    const overlay = read('infra/k8s/overlays/example')[0]?.doc as {
      configMapGenerator: Array<{ literals: string[] }>;
      secretGenerator: Array<{ literals: string[] }>;
    };
    for (const literal of [...overlay.configMapGenerator, ...overlay.secretGenerator].flatMap((g) => g.literals)) {
      expect(knownAnywhere.has(literal.split('=')[0] as string), `overlay sets unknown ${literal}`).toBe(true);
    }
  });

  it.each(['collector', 'ingest', 'web'] as const)('deploys the %s with probes, resources and its config', (app) => {
    const found = deployments.filter(({ doc }) => appOf(doc.spec.template.spec.containers[0].command) === app);
    expect(found).toHaveLength(1);
    const { doc, file } = found[0] as { doc: Yaml; file: string };
    const container = doc.spec.template.spec.containers[0];
    const direct = Object.fromEntries(
      (container.env ?? []).map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    const refs = JSON.stringify(container.envFrom ?? []);
    const env = {
      ...(refs.includes('tern-config') ? configMap : {}),
      ...(refs.includes('tern-secrets') ? secret : {}),
      ...direct,
    };
    for (const name of Object.keys(direct))
      expect(known(app).has(name), `${file}: ${app} does not read ${name}`).toBe(true);
    expect(() => LOADERS[app](env), `${file}: ${app} config`).not.toThrow();
    for (const probe of ['readinessProbe', 'livenessProbe']) {
      expect(HEALTH[app]).toContain(container[probe]?.httpGet?.path);
    }
    expect(container.resources?.requests?.cpu).toBeDefined();
    expect(container.resources?.requests?.memory).toBeDefined();
    const name = doc.metadata.name;
    expect(base.some(({ doc: d }) => d.kind === 'PodDisruptionBudget' && d.metadata.name === name)).toBe(true);
    if (app === 'collector') {
      expect(
        base.some(({ doc: d }) => d.kind === 'HorizontalPodAutoscaler' && d.spec.scaleTargetRef.name === name),
      ).toBe(true);
    }
  });

  it('sizes ingest to the partitions of the events topic', () => {
    const ingest = deployments.find(({ doc }) => doc.metadata.name === 'tern-ingest')?.doc as Yaml;
    expect(ingest.spec.replicas).toBeLessThanOrEqual(Number(configMap.EVENTS_PARTITIONS));
  });

  it('lists every base file in the kustomization, and ships the operators examples', () => {
    const kustomization = read('infra/k8s/base').find(({ file }) => file.endsWith('kustomization.yaml'))?.doc as {
      resources: string[];
    };
    const files = readdirSync(join(repoRoot, 'infra/k8s/base')).filter((f) => f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    const kinds = read('infra/k8s/operators').map(({ doc }) => doc.kind);
    expect(kinds).toEqual(expect.arrayContaining(['Kafka', 'KafkaNodePool', 'ClickHouseInstallation']));
  });
});

describe('the collector command', () => {
  const expected = ['node', ...COLLECTOR_NODE_ARGS, COLLECTOR_BUNDLE];
  it('is the same in the image, compose and Kubernetes as launch.ts says', () => {
    const dockerfile = readFileSync(join(repoRoot, 'infra/Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`CMD ${JSON.stringify(expected).replaceAll(',', ', ')}`);
    for (const [name, value] of Object.entries(COLLECTOR_ENV))
      expect(dockerfile).toMatch(new RegExp(`^ENV .*\\b${name}=${value}\\b`, 'm'));
    const compose = parseAllDocuments(readFileSync(join(repoRoot, 'infra/docker-compose.yml'), 'utf8'), {
      merge: true,
    })[0]?.toJS() as { services: Record<string, { command?: unknown }> };
    expect(compose.services.collector?.command).toEqual(expected);
    const k8s = parseAllDocuments(readFileSync(join(repoRoot, 'infra/k8s/base/collector.yaml'), 'utf8'))
      .map((doc) => doc.toJS() as Yaml)
      .find((doc) => doc?.kind === 'Deployment');
    expect(k8s.spec.template.spec.containers[0].command).toEqual(expected);
    const start = JSON.parse(readFileSync(join(repoRoot, 'apps/collector/package.json'), 'utf8')).scripts.start;
    expect(start).toBe(
      `${Object.entries(COLLECTOR_ENV)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')} node ${COLLECTOR_NODE_ARGS.join(' ')} dist/main.mjs`,
    );
  });
});
