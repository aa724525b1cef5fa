/**
 * Loads the query benchmark's data set into an embedded warehouse (chDB) under DATA_DIR, the layout the web app
 * uses: BENCH_EVENTS (10,000,000) events over 90 days up to now, 50 sites with a Zipf split (site k gets 1/k of
 * the top site's traffic), more traffic by day than by night. With `--top-up`, it adds the traffic from the last
 * load until now, so the realtime figures have recent events. Run by bench/query.ts in a process of its own,
 * because chDB binds its data directory to one process.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sessionIdFor } from '../packages/ingest/src/index.ts';
import { type EventRow, insertEvents, migrate, openWarehouse } from '../packages/warehouse/src/index.ts';
import { prng } from '../test/helpers.ts';
import { enrich, type SyntheticSession, syntheticSessions, syntheticUuid } from '../test/synthetic.ts';

export const SITE_COUNT = 50;
export const siteName = (k: number) => `site${String(k).padStart(2, '0')}.example`;
const DAY = 86_400_000;
const BATCH = 100_000;

export interface LoadedData {
  events: number;
  sessions: number;
  from: number;
  to: number;
  seconds: number;
}

async function main() {
  const dataDir = process.env.DATA_DIR as string;
  const topUp = process.argv.includes('--top-up');
  const manifest = join(dataDir, 'loaded.json');
  const previous = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as LoadedData) : undefined;
  const to = Date.now();
  const from = topUp && previous ? previous.to : to - 90 * DAY;
  const total =
    topUp && previous
      ? Math.round((previous.events * (to - from)) / (previous.to - previous.from))
      : Number(process.env.BENCH_EVENTS ?? 10_000_000);
  const warehouse = await openWarehouse({ kind: 'embedded', dataDir: join(dataDir, 'warehouse'), database: 'tern' });
  await migrate(warehouse.client);
  const random = prng(topUp ? to : 90);
  const harmonic = Array.from({ length: SITE_COUNT }, (_, k) => 1 / (k + 1)).reduce((a, b) => a + b, 0);
  // Day-time traffic (UTC 08-22) three times as dense as the night's.
  const startAt = () => {
    for (;;) {
      const t = from + Math.floor(random() * (to - from));
      const hour = new Date(t).getUTCHours();
      if (random() < (hour >= 8 && hour < 22 ? 1 : 0.33)) return t;
    }
  };

  const started = Date.now();
  let events = 0;
  let sessions = 0;
  let offset = BigInt(previous && topUp ? previous.events : 0);
  let batch: EventRow[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    if (!process.env.BENCH_NO_INSERT) await insertEvents(warehouse.client, batch, `bench:${offset}`);
    batch = [];
  };
  for (let k = 1; k <= SITE_COUNT; k++) {
    const site = siteName(k);
    const target = Math.round((total * (1 / k)) / harmonic);
    let siteEvents = 0;
    // Visitors in chunks until the site has its share; visitor ids are unique per site and load.
    for (let chunk = 0; siteEvents < target; chunk++) {
      for (const session of syntheticSessions({
        site,
        random,
        visitors: 1000,
        from,
        to,
        sessionsPerVisitor: [1, 4],
        visitorOffset: (topUp ? 1e9 + (to % 1e9) : 0) + chunk * 1000,
        startAt,
      })) {
        if (siteEvents >= target) break;
        const visit = visitOf(session, from);
        for (const event of session.events) {
          if (event.ts > to) continue;
          batch.push({
            event: enrich(session, event, syntheticUuid(random)),
            visit,
            topic: 'bench',
            partition: k,
            offset: offset++,
          });
          siteEvents++;
        }
        sessions++;
        if (batch.length >= BATCH) {
          await flush();
          process.stdout.write(`\r  loaded ${(events + siteEvents).toLocaleString('en-US')} events`);
        }
      }
    }
    events += siteEvents;
  }
  await flush();
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(`\r  loaded ${events.toLocaleString('en-US')} events in ${seconds.toFixed(0)} s\n`);
  const loaded: LoadedData = {
    events: (topUp && previous ? previous.events : 0) + events,
    sessions: (topUp && previous ? previous.sessions : 0) + sessions,
    from: previous && topUp ? previous.from : from,
    to,
    seconds: (topUp && previous ? previous.seconds : 0) + seconds,
  };
  writeFileSync(manifest, JSON.stringify(loaded, null, 2));
  await warehouse.close();
}

/** The session's visit attributes, as ingest would have copied them, and a session id made as ingest makes it. */
function visitOf(session: SyntheticSession, salt: number) {
  const identity = `${session.site}:${session.visitor.id}:${session.index}:${salt}`;
  return {
    sessionId: sessionIdFor(identity, session.events[0]?.ts ?? 0),
    entryHostname: session.site,
    screenWidth: session.visitor.screenWidth,
    ...session.visit,
  };
}

if (process.argv[1]?.endsWith('query-load.ts')) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
