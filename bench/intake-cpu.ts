/**
 * `node --import tsx bench/intake-cpu.ts`: CPU cost of the collector's intake (validation, enrichment, encoding) per
 * event, without HTTP or Kafka: what one core can do before the network and the broker take their share. The
 * requests are bench:collector's 20-event requests (./event-requests.ts), so the two benches measure the same
 * events.
 */
import { prepareRequest } from '../apps/collector/src/intake/prepare.ts';
import { loadPrepareDeps } from '../apps/collector/src/intake/prepare-deps.ts';
import { eventRequestSource } from './event-requests.ts';

const deps = loadPrepareDeps({ geoDatabase: 'country', datacenterCheck: true });
const clock = { receivedAt: Date.now(), salt: Buffer.alloc(32, 7), previousSalt: undefined };
const next = eventRequestSource('bench.example', 20);

for (const round of [1, 2, 3]) {
  const started = process.hrtime.bigint();
  let events = 0;
  for (let n = 0; n < 5000; n++) {
    const { body, headers } = next();
    const prepared = prepareRequest(
      {
        route: 'POST /v1/events',
        body: Buffer.from(body),
        ip: headers['x-forwarded-for'] as string,
        userAgent: headers['user-agent'] as string,
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
