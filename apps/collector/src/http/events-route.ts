import type { SaltRing, SiteDirectory } from '@tern/control';
import { normalizeDomain } from '@tern/control';
import {
  type BotEvent,
  type BotReason,
  type DeadLetter,
  type EnrichedEvent,
  encodeEventMessage,
  enrichedEventSchema,
  MIDNIGHT_CROSSING_MS,
  partitionKey,
  utcMonthOf,
  wireBatchSchema,
  wireEventSchema,
} from '@tern/events';
import type { RateLimiter } from '@tern/service';
import type { LogProducer } from '@tern/stream';
import type { Logger } from 'pino';
import { type CommitMessage, type GroupCommitter, withDeadline } from '../delivery/group-commit.ts';
import type { DatacenterRanges } from '../enrich/datacenter.ts';
import { enrich } from '../enrich/enricher.ts';
import type { GeoLocator } from '../enrich/geo.ts';
import type { UserAgentParser } from '../enrich/user-agent.ts';
import { visitorId } from '../enrich/visitor-id.ts';
import type { CollectorMetrics } from '../metrics.ts';
import { HttpError } from './http-error.ts';

export interface Rejection {
  index: number;
  field: string;
  reason: string;
}

export interface AcceptResult {
  accepted: number;
  rejected: Rejection[];
  dropped?: { count: number; reason: 'unknown_site' | 'bot' };
}

/** Where a bot request's record goes (the bots topic), batched like events. */
export interface BotSink {
  send(messages: Array<{ key: string; value: string }>): Promise<void>;
}

export interface EventIntakeDeps {
  sites: SiteDirectory;
  salts: SaltRing;
  geo: GeoLocator;
  /** Cloud and hosting networks, when the datacenter check is on. */
  datacenters: DatacenterRanges | undefined;
  userAgents: UserAgentParser;
  committer: GroupCommitter;
  ackTimeoutMs: number;
  siteLimiter: RateLimiter;
  bots: BotSink;
  producer: LogProducer;
  deadLetterTopic: string;
  metrics: CollectorMetrics;
  logger: Logger;
}

/**
 * Validates, enriches and writes one batch. Resolves only after the log acknowledged every accepted event;
 * a batch with some invalid events keeps the valid ones and reports the others by index.
 */
export async function acceptBatch(
  body: unknown,
  request: { ip: string; userAgent: string; acceptLanguage: string },
  deps: EventIntakeDeps,
): Promise<AcceptResult> {
  const batch = wireBatchSchema.safeParse(body);
  if (!batch.success) throw invalid(batch.error.issues[0]);
  const site = normalizeDomain(batch.data.site);
  const count = batch.data.events.length;
  if (!deps.sites.has(site)) {
    deps.metrics.dropped.inc({ reason: 'unknown_site' }, count);
    return { accepted: 0, rejected: [], dropped: { count, reason: 'unknown_site' } };
  }
  const wait = deps.siteLimiter.take(site, count);
  if (wait > 0) {
    deps.metrics.rejected.inc({ reason: 'site_rate_limited' }, count);
    throw new HttpError(429, 'rate_limited', `too many events for ${site}`, undefined, { 'retry-after': String(wait) });
  }
  const software = deps.userAgents.parse(request.userAgent);
  const bot = software.bot ?? (deps.datacenters?.contains(request.ip) ? 'datacenter' : undefined);
  if (bot) {
    const record = botRecord(site, bot, request.userAgent, batch.data.events);
    await deps.bots.send([{ key: site, value: JSON.stringify(record) }]);
    deps.metrics.dropped.inc({ reason: `bot_${bot}` }, count);
    return { accepted: 0, rejected: [], dropped: { count, reason: 'bot' } };
  }
  const receivedAt = Date.now();
  const salt = deps.salts.saltFor(receivedAt);
  if (!salt) {
    throw new HttpError(503, 'not_ready', 'the daily salt has not been published yet', undefined, {
      'retry-after': '5',
    });
  }
  const sinceMidnight = receivedAt % 86_400_000;
  const previousSalt = sinceMidnight < MIDNIGHT_CROSSING_MS ? deps.salts.saltFor(receivedAt - 86_400_000) : undefined;
  const facts = {
    location: deps.geo.locate(request.ip),
    acceptLanguage: request.acceptLanguage,
    software,
    receivedAt,
    visitorId: visitorId(salt, site, request.ip, request.userAgent),
    previousVisitorId: previousSalt ? visitorId(previousSalt, site, request.ip, request.userAgent) : '',
  };
  const accepted: EnrichedEvent[] = [];
  const rejected: Rejection[] = [];
  const deadLetters: DeadLetter[] = [];
  batch.data.events.forEach((raw, index) => {
    const wire = wireEventSchema.safeParse(raw);
    if (!wire.success) {
      const issue = wire.error.issues[0];
      rejected.push({ index, field: issue?.path.join('.') || 'event', reason: issue?.message ?? 'invalid event' });
      return;
    }
    const result = enrich(site, wire.data, facts);
    if (!result.ok) {
      rejected.push({ index, field: result.field, reason: result.reason });
      return;
    }
    // The contract is checked once more after enrichment: a bug here must not reach the main topic.
    const checked = enrichedEventSchema.safeParse(result.event);
    if (!checked.success) {
      const reason = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      deadLetters.push({ reason, stage: 'collector', at: receivedAt, payload: JSON.stringify(result.event) });
      rejected.push({ index, field: 'event', reason: 'failed validation after enrichment' });
      return;
    }
    accepted.push(checked.data);
  });
  for (const rejection of rejected) deps.metrics.rejected.inc({ reason: rejection.field });
  if (deadLetters.length > 0) {
    await deps.producer.send(
      deps.deadLetterTopic,
      deadLetters.map((letter) => ({ key: site, value: JSON.stringify(letter) })),
    );
  }
  if (accepted.length === 0) {
    throw new HttpError(400, 'invalid_events', 'no event in the batch is valid', rejected[0]?.field ?? 'events');
  }
  const started = process.hrtime.bigint();
  await withDeadline(deps.committer.send(eventMessages(accepted), accepted.length), deps.ackTimeoutMs);
  deps.metrics.produceLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
  deps.metrics.accepted.inc(accepted.length);
  return { accepted: accepted.length, rejected };
}

/**
 * The request's events as messages of the events topic: one, unless the events span a UTC month boundary (client
 * times reach back a day), since a message must land in one monthly part of the events table.
 */
function eventMessages(events: EnrichedEvent[]): CommitMessage[] {
  const byMonth = new Map<number, EnrichedEvent[]>();
  for (const event of events) {
    const month = utcMonthOf(event.timestamp);
    const group = byMonth.get(month);
    if (group) group.push(event);
    else byMonth.set(month, [event]);
  }
  // One visitor's events share the key; all of them go to one partition, in order.
  return [...byMonth].map(([month, group]) => ({
    key: partitionKey(group[0] as EnrichedEvent),
    value: encodeEventMessage(group),
    // The committer merges messages per partition; never those of two months.
    packGroup: String(month),
  }));
}

function invalid(issue: { path: PropertyKey[]; message: string } | undefined): HttpError {
  const field = issue?.path.map(String).join('.') || 'body';
  return new HttpError(400, 'invalid_batch', `${field}: ${issue?.message ?? 'invalid'}`, field);
}

function botRecord(siteId: string, reason: BotReason, userAgent: string, events: unknown[]): BotEvent {
  const first = events[0] as { url?: unknown } | undefined;
  let hostname = '';
  let pathname = '';
  try {
    const url = new URL(String(first?.url ?? ''));
    hostname = url.hostname;
    pathname = url.pathname;
  } catch {}
  return {
    siteId,
    at: Date.now(),
    reason,
    userAgent: userAgent.slice(0, 512),
    hostname: hostname.slice(0, 2048),
    pathname: pathname.slice(0, 2048),
    events: events.length,
  };
}
