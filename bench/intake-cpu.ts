/**
 * `node --import tsx bench/intake-cpu.ts`: CPU cost of the collector's intake (validation, enrichment, encoding) per
 * event, without HTTP or Kafka: what one core can do before the network and the broker take their share.
 */
import UserAgent from 'user-agents';
import { prepareRequest } from '../apps/collector/src/intake/prepare.ts';
import { loadPrepareDeps } from '../apps/collector/src/intake/prepare-deps.ts';

const site = 'bench.example';
const deps = loadPrepareDeps({ geoDatabase: 'country', datacenterCheck: true });
const clock = { receivedAt: Date.now(), salt: Buffer.alloc(32, 7), previousSalt: undefined };
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
  for (let n = 0; n < 5000; n++) {
    const prepared = prepareRequest(
      {
        route: 'POST /v1/events',
        body: Buffer.from(JSON.stringify(bodies[n % bodies.length])),
        ip: `198.51.100.${n % 250}`,
        userAgent: agents[n % agents.length] as string,
        acceptLanguage: 'en',
      },
      { ...clock, receivedAt: Date.now() },
      deps,
    );
    if (!prepared.ok) throw new Error(prepared.error.message);
    for (const batch of prepared.batches) if (batch.kind === 'events') events += batch.accepted;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `round ${round}: ${events} events in ${seconds.toFixed(2)} s = ${Math.round(events / seconds).toLocaleString('en-US')} events/s, ${((seconds / events) * 1e6).toFixed(1)} µs/event`,
  );
}
