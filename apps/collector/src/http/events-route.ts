import type { SaltRing, SiteDirectory } from '@tern/control';
import { normalizeDomain } from '@tern/control';
import {
  type DeadLetter,
  type EnrichedEvent,
  enrichedEventSchema,
  partitionKey,
  wireBatchSchema,
  wireEventSchema,
} from '@tern/events';
import type { LogProducer } from '@tern/stream';
import type { Logger } from 'pino';
import type { GroupCommitter } from '../delivery/group-commit.ts';
import { enrich } from '../enrich/enricher.ts';
import type { GeoLocator } from '../enrich/geo.ts';
import type { UserAgentParser } from '../enrich/user-agent.ts';
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

export interface EventIntakeDeps {
  sites: SiteDirectory;
  salts: SaltRing;
  geo: GeoLocator;
  userAgents: UserAgentParser;
  committer: GroupCommitter;
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
  const software = deps.userAgents.parse(request.userAgent);
  if (software.bot) {
    deps.metrics.dropped.inc({ reason: 'bot' }, count);
    return { accepted: 0, rejected: [], dropped: { count, reason: 'bot' } };
  }
  const receivedAt = Date.now();
  const salt = deps.salts.saltFor(receivedAt);
  if (!salt) {
    throw new HttpError(503, 'not_ready', 'the daily salt has not been published yet', undefined, {
      'retry-after': '5',
    });
  }
  const facts = { ...request, software, receivedAt, salt };
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
    const result = enrich(site, wire.data, facts, deps.geo);
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
  await deps.committer.send(accepted.map((event) => ({ key: partitionKey(event), value: JSON.stringify(event) })));
  deps.metrics.produceLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
  deps.metrics.accepted.inc(accepted.length);
  return { accepted: accepted.length, rejected };
}

function invalid(issue: { path: PropertyKey[]; message: string } | undefined): HttpError {
  const field = issue?.path.map(String).join('.') || 'body';
  return new HttpError(400, 'invalid_batch', `${field}: ${issue?.message ?? 'invalid'}`, field);
}
