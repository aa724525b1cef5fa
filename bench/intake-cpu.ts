/**
 * `node --import tsx bench/intake-cpu.ts`: CPU cost of the collector's intake (validation, enrichment, encoding) per
 * event, without HTTP or Kafka: what one core can do before the network and the broker take their share.
 */
import UserAgent from 'user-agents';
import { GroupCommitter } from '../apps/collector/src/delivery/group-commit.ts';
import { DatacenterRanges } from '../apps/collector/src/enrich/datacenter.ts';
import { GeoLocator } from '../apps/collector/src/enrich/geo.ts';
import { UserAgentParser } from '../apps/collector/src/enrich/user-agent.ts';
import { acceptBatch } from '../apps/collector/src/http/events-route.ts';
import { createCollectorMetrics } from '../apps/collector/src/metrics.ts';
import { RateLimiter } from '../packages/service/src/index.ts';

const site = 'bench.example';
const sites = { has: () => true } as never;
const salts = { saltFor: () => Buffer.alloc(32, 7) } as never;
const nothing = { send: async () => {}, close: async () => {}, partitionOf: () => undefined };
const deps = {
  sites,
  salts,
  geo: new GeoLocator(),
  datacenters: DatacenterRanges.load(),
  userAgents: new UserAgentParser(),
  committer: new GroupCommitter(nothing, 'events', {
    lingerMs: 0,
    maxBatchEvents: 2000,
    maxQueuedEvents: 1e9,
    maxInFlight: 4,
  }),
  bots: nothing,
  producer: nothing,
  deadLetterTopic: 'dlq',
  metrics: createCollectorMetrics(),
  logger: { error() {}, warn() {}, info() {} } as never,
  siteLimiter: new RateLimiter(0, 1),
  ackTimeoutMs: 10_000,
};
const agents = Array.from({ length: 300 }, () => new UserAgent({ deviceCategory: 'desktop' }).toString());
const bodies = Array.from({ length: 500 }, (_, r) => ({
  site,
  events: Array.from({ length: 20 }, (_, e) => ({
    type: 'pageview',
    url: `https://${site}/docs/page-${(r + e) % 40}?utm_source=newsletter`,
    referrer: 'https://www.google.com/',
    title: 'Docs',
    sw: 1440,
  })),
}));

for (const round of [1, 2, 3]) {
  const started = process.hrtime.bigint();
  let events = 0;
  // Requests overlap as on a busy server; the linger timer is then shared, not paid once per request.
  for (let i = 0; i < 5000; i += 200) {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, j) => {
        const n = i + j;
        const body = JSON.parse(JSON.stringify(bodies[n % bodies.length]));
        const facts = {
          ip: `198.51.100.${n % 250}`,
          userAgent: agents[n % agents.length] as string,
          acceptLanguage: 'en',
        };
        return acceptBatch(body, facts, deps as never);
      }),
    );
    for (const result of results) events += result.accepted;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `round ${round}: ${events} events in ${seconds.toFixed(2)} s = ${Math.round(events / seconds).toLocaleString('en-US')} events/s, ${((seconds / events) * 1e6).toFixed(1)} µs/event`,
  );
}
