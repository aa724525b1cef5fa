import { normalizeDomain } from '@tern/control';
import {
  type BotEvent,
  type BotReason,
  type DeadLetter,
  type EnrichedEvent,
  encodeEventMessage,
  type FieldIssue,
  JsonTooDeepError,
  parseEnrichedEvent,
  parseJsonText,
  parseWireEvent,
  partitionKey,
  primaryIssue,
  truncate,
  utcMonthOf,
  wireBatchSchema,
} from '@tern/events';
import type { CommitMessage } from '../delivery/group-commit.ts';
import type { DatacenterRanges } from '../enrich/datacenter.ts';
import { enrich, primaryLanguage } from '../enrich/enricher.ts';
import type { GeoLocator } from '../enrich/geo.ts';
import type { UserAgentParser } from '../enrich/user-agent.ts';
import { visitorId } from '../enrich/visitor-id.ts';
import { HttpError } from '../http/http-error.ts';
import { translatePlausibleEvent } from '../http/plausible-compat.ts';

/** The two event routes: our batch format and Plausible's Events API. */
export type IntakeRoute = 'POST /v1/events' | 'POST /api/event';

/** One event request as read off the socket: the body's bytes and the facts of the request. */
export interface IntakeRequest {
  route: IntakeRoute;
  body: Uint8Array;
  ip: string;
  userAgent: string;
  acceptLanguage: string;
}

/** The receive time and the salts of its UTC day (and of the day before, right after midnight), if published. */
export interface IntakeClock {
  receivedAt: number;
  salt: Uint8Array | undefined;
  previousSalt: Uint8Array | undefined;
}

export interface Rejection {
  index: number;
  field: string;
  reason: string;
}

/** An HttpError as plain data: prepared requests cross a thread boundary. */
export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  field?: string | undefined;
  headers: Record<string, string>;
}

/**
 * One site's batch, validated and enriched but not yet written. What needs state shared by the whole collector
 * (the registered sites, the per-site rate limit, the event log) is decided on the main thread afterwards.
 */
export type PreparedBatch =
  | {
      kind: 'events';
      site: string;
      count: number;
      messages: CommitMessage[];
      accepted: number;
      rejected: Rejection[];
      /** Dead letters (JSON) of events that failed the contract after enrichment. */
      deadLetters: string[];
    }
  | { kind: 'bot'; site: string; count: number; reason: BotReason; record: string }
  | { kind: 'no_salt'; site: string; count: number };

export type PreparedRequest = { ok: true; batches: PreparedBatch[] } | { ok: false; error: ErrorAnswer };

/** What preparing needs: read-only lookups, each loaded once per thread. */
export interface PrepareDeps {
  geo: GeoLocator;
  /** Cloud and hosting networks, when the datacenter check is on. */
  datacenters: DatacenterRanges | undefined;
  userAgents: UserAgentParser;
}

/**
 * The CPU-bound part of an event request: JSON, validation, bot checks, enrichment, the visitor hash and the
 * encoding of the events topic's messages. Pure apart from its caches, so it can run on an intake thread.
 */
export function prepareRequest(request: IntakeRequest, clock: IntakeClock, deps: PrepareDeps): PreparedRequest {
  try {
    const body = parseJson(request.body);
    const batches =
      request.route === 'POST /api/event'
        ? translatePlausibleEvent(body).map((batch) => prepareBatch(batch, request, clock, deps))
        : [prepareBatch(body, request, clock, deps)];
    return { ok: true, batches };
  } catch (error) {
    if (error instanceof HttpError) return { ok: false, error: answerOf(error) };
    throw error;
  }
}

function answerOf(error: HttpError): ErrorAnswer {
  return { status: error.status, code: error.code, message: error.message, field: error.field, headers: error.headers };
}

/** The messages of a prepared request's event batches, for the two sides of an intake thread to convert in place. */
export function* eventMessagesOf(prepared: PreparedRequest): Generator<CommitMessage> {
  if (!prepared.ok) return;
  for (const batch of prepared.batches) if (batch.kind === 'events') yield* batch.messages;
}

export function errorOf(answer: ErrorAnswer): HttpError {
  return new HttpError(answer.status, answer.code, answer.message, answer.field, answer.headers);
}

function parseJson(body: Uint8Array): unknown {
  if (body.length === 0) throw new HttpError(400, 'invalid_json', 'request body is empty', 'body');
  try {
    // Lone surrogates (`"\ud800"`) are repaired here, for every field of both routes: UTF-8 cannot hold them.
    return parseJsonText(Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8'));
  } catch (error) {
    if (error instanceof JsonTooDeepError) throw new HttpError(400, 'invalid_json', `body: ${error.message}`, 'body');
    throw new HttpError(400, 'invalid_json', 'request body is not valid JSON', 'body');
  }
}

function prepareBatch(body: unknown, request: IntakeRequest, clock: IntakeClock, deps: PrepareDeps): PreparedBatch {
  const batch = wireBatchSchema.safeParse(body);
  if (!batch.success) throw invalid(primaryIssue(batch.error));
  const site = normalizeDomain(batch.data.site);
  const count = batch.data.events.length;
  const software = deps.userAgents.parse(request.userAgent);
  const bot = software.bot ?? (deps.datacenters?.contains(request.ip) ? 'datacenter' : undefined);
  if (bot) {
    const record = botRecord(site, bot, request.userAgent, batch.data.events);
    return { kind: 'bot', site, count, reason: bot, record: JSON.stringify(record) };
  }
  const { receivedAt, salt, previousSalt } = clock;
  if (!salt) return { kind: 'no_salt', site, count };
  const facts = {
    location: deps.geo.locate(request.ip),
    language: primaryLanguage(request.acceptLanguage),
    software,
    receivedAt,
    visitorId: visitorId(salt, site, request.ip, request.userAgent),
    previousVisitorId: previousSalt ? visitorId(previousSalt, site, request.ip, request.userAgent) : '',
  };
  const accepted: EnrichedEvent[] = [];
  const rejected: Rejection[] = [];
  const deadLetters: string[] = [];
  batch.data.events.forEach((raw, index) => {
    const wire = parseWireEvent(raw);
    if (!wire.success) {
      const { field, message } = primaryIssue(wire.error, 'event');
      rejected.push({ index, field, reason: message });
      return;
    }
    const result = enrich(site, wire.data, facts);
    if (!result.ok) {
      rejected.push({ index, field: result.field, reason: result.reason });
      return;
    }
    // The contract is checked once more after enrichment: a bug here must not reach the main topic.
    const checked = parseEnrichedEvent(result.event);
    if (!checked.success) {
      const reason = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      const letter: DeadLetter = { reason, stage: 'collector', at: receivedAt, payload: JSON.stringify(result.event) };
      deadLetters.push(JSON.stringify(letter));
      rejected.push({ index, field: 'event', reason: 'failed validation after enrichment' });
      return;
    }
    accepted.push(checked.data);
  });
  return {
    kind: 'events',
    site,
    count,
    messages: accepted.length > 0 ? eventMessages(accepted) : [],
    accepted: accepted.length,
    rejected,
    deadLetters,
  };
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

function invalid({ field, message }: FieldIssue): HttpError {
  return new HttpError(400, 'invalid_batch', `${field}: ${message}`, field);
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
    userAgent: truncate(userAgent, 512),
    hostname: truncate(hostname, 2048),
    pathname: truncate(pathname, 2048),
    events: events.length,
  };
}
