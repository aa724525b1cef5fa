import { parseEnrichedEvent } from './compiled-check.ts';
import type { EnrichedEvent } from './enriched.ts';
import { parseJsonText } from './text.ts';

/**
 * A message on the events topic carries one or more enriched events, one JSON object per line, in the order they
 * happened. The collector writes a request's events as one message (they share the visitor, hence the partition
 * key), and merges the messages of one produce call bound for one partition (`joinEventMessages`): a Kafka record
 * costs the producer far more than its bytes do (bench/README.md, collector). A message written as a single event
 * (history imports, older collectors) is a message of one line.
 *
 * One message never holds events of two UTC months: the events table is partitioned by month, and a message must
 * land in one part (see the ingest worker).
 */
/**
 * The events table's partition of an event (toYYYYMM of its UTC time): the unit a message must not cross, so the
 * collector that splits messages and the ingest worker that cuts inserts agree.
 */
export function utcMonthOf(timestamp: number): number {
  const date = new Date(timestamp);
  return date.getUTCFullYear() * 100 + date.getUTCMonth() + 1;
}

/** Lines one message may hold: the warehouse stores a line's index as UInt16 and orders by offset × 65,536 + line. */
export const MAX_EVENTS_PER_MESSAGE = 65_536;

export function encodeEventMessage(events: readonly EnrichedEvent[]): string {
  return events.map((event) => JSON.stringify(event)).join('\n');
}

/** Messages merged into one (the collector merges a produce call's messages per partition): their lines, in order. */
export function joinEventMessages(messages: readonly string[]): string {
  return messages.join('\n');
}

export type DecodedEvent = { ok: true; value: EnrichedEvent } | { ok: false; reason: string; text: string };

/** Every line of a message, each checked against the contract on its own: one bad line does not spoil the rest. */
export function decodeEventMessage(message: string): DecodedEvent[] {
  return message.split('\n').map(decodeEventLine);
}

function decodeEventLine(text: string): DecodedEvent {
  let json: unknown;
  try {
    // Messages from before the collector repaired lone surrogates may still hold one; ClickHouse would refuse it.
    json = parseJsonText(text);
  } catch {
    return { ok: false, reason: 'not JSON', text };
  }
  const event = parseEnrichedEvent(json);
  if (event.success) return { ok: true, value: event.data };
  return { ok: false, reason: event.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), text };
}
