import type { SiteDirectory } from '@tern/control';
import type { RateLimiter } from '@tern/service';
import type { LogProducer } from '@tern/stream';
import { withDeadline } from '../deadline.ts';
import { BackpressureError, type GroupCommitter } from '../delivery/group-commit.ts';
import type { PreparedBatch, Rejection } from '../intake/prepare.ts';
import type { CollectorMetrics } from '../metrics.ts';
import { HttpError } from './http-error.ts';

export interface AcceptResult {
  accepted: number;
  rejected: Rejection[];
  dropped?: { count: number; reason: 'unknown_site' | 'bot' };
}

/** Where a bot request's record goes (the bots topic), batched like events. */
export interface BotSink {
  send(messages: Array<{ key: string; value: string }>): Promise<void>;
}

export interface EventDeliveryDeps {
  sites: SiteDirectory;
  committer: GroupCommitter;
  ackTimeoutMs: number;
  siteLimiter: RateLimiter;
  bots: BotSink;
  producer: LogProducer;
  deadLetterTopic: string;
  metrics: CollectorMetrics;
}

/**
 * Writes one prepared batch. Resolves only after the log acknowledged every accepted event; a batch with some
 * invalid events keeps the valid ones and reports the others by index.
 */
export async function acceptBatch(batch: PreparedBatch, deps: EventDeliveryDeps): Promise<AcceptResult> {
  const { site, count } = batch;
  if (!deps.sites.has(site)) {
    deps.metrics.dropped.inc({ reason: 'unknown_site' }, count);
    return { accepted: 0, rejected: [], dropped: { count, reason: 'unknown_site' } };
  }
  const wait = deps.siteLimiter.take(site, count);
  if (wait > 0) {
    deps.metrics.rejected.inc({ reason: 'site_rate_limited' }, count);
    throw new HttpError(429, 'rate_limited', `too many events for ${site}`, undefined, { 'retry-after': String(wait) });
  }
  if (batch.kind === 'bot') {
    await deps.bots.send([{ key: site, value: batch.record }]);
    deps.metrics.dropped.inc({ reason: `bot_${batch.reason}` }, count);
    return { accepted: 0, rejected: [], dropped: { count, reason: 'bot' } };
  }
  if (batch.kind === 'no_salt') {
    throw new HttpError(503, 'not_ready', 'the daily salt has not been published yet', undefined, {
      'retry-after': '5',
    });
  }
  const { rejected } = batch;
  for (const rejection of rejected) deps.metrics.rejected.inc({ reason: rejection.field });
  if (batch.deadLetters.length > 0) {
    await deps.producer.send(
      deps.deadLetterTopic,
      batch.deadLetters.map((letter) => ({ key: site, value: letter })),
    );
  }
  if (batch.accepted === 0) {
    throw new HttpError(400, 'invalid_events', 'no event in the batch is valid', rejected[0]?.field ?? 'events');
  }
  const started = process.hrtime.bigint();
  await withDeadline(
    deps.committer.send(batch.messages, batch.accepted),
    deps.ackTimeoutMs,
    () => new BackpressureError(`no acknowledgement within ${deps.ackTimeoutMs} ms`),
  );
  deps.metrics.produceLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
  deps.metrics.accepted.inc(batch.accepted);
  return { accepted: batch.accepted, rejected };
}
