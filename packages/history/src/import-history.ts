import {
  type EnrichedEvent,
  enrichedFromHistory,
  historyEventSchema,
  JsonTooDeepError,
  parseEnrichedEvent,
  parseJsonText,
  partitionKey,
  primaryIssue,
  revenueIssue,
} from '@tern/events';
import type { LogProducer } from '@tern/stream';
import { existingEventIds, type Warehouse } from '@tern/warehouse';
import { MAX_LINE_BYTES, type NumberedLine, UnreadableInputError } from './lines.ts';
import { VisitorOrder } from './visitor-order.ts';

export interface ImportSummary {
  linesRead: number;
  imported: number;
  rejected: number;
  /** Already stored, or repeated within this import: skipped. */
  duplicates: number;
  /** The first rejected lines, by number, with the field at fault. */
  errors: { line: number; reason: string }[];
  /**
   * Set when the input could not be read to its end (a corrupt or truncated gzip): the lines before the fault were
   * imported as counted above, and importing the whole file again adds only what is missing.
   */
  stopped?: string;
}

export interface ImportOptions {
  site: string;
  producer: LogProducer;
  /** The import topic (TOPIC_IMPORT). */
  topic: string;
  /** When given, events already stored are skipped here and counted; ingest drops them anyway. */
  warehouse?: Warehouse;
  batchSize?: number;
  /** Events sorted in memory at a time; beyond that, sorted runs go to temporary files (visitor-order.ts). */
  runSize?: number;
  onProgress?: (summary: ImportSummary) => void;
}

const MAX_REPORTED_ERRORS = 1000;

/**
 * Imports history lines for one site: each line is validated with the same schemas as live events, turned into the
 * enriched event live traffic would have produced, and written to the import topic, where the ingest workers build
 * sessions and rollups with the same code as for live traffic. Bad lines are reported by number and the good ones
 * kept. Idempotent: event ids are kept or derived from the line's content, and ids already stored are skipped.
 *
 * The events go out by visitor, then time, whatever the file's order (an external sort, visitor-order.ts), so that
 * ingest sees each visitor's history in time order and builds the same sessions for any order of the lines. They
 * are written once the whole input is read.
 */
export async function importHistory(
  lines: AsyncIterable<NumberedLine>,
  options: ImportOptions,
): Promise<ImportSummary> {
  const summary: ImportSummary = { linesRead: 0, imported: 0, rejected: 0, duplicates: 0, errors: [] };
  const batchSize = options.batchSize ?? 2000;
  const seen = new Set<string>();
  const order = new VisitorOrder(options.runSize);
  let batch: EnrichedEvent[] = [];
  const receivedAt = Date.now();

  const reject = (line: number, reason: string) => {
    summary.rejected++;
    if (summary.errors.length < MAX_REPORTED_ERRORS) summary.errors.push({ line, reason });
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const stored = options.warehouse
      ? await existingEventIds(
          options.warehouse.client,
          batch.map((e) => ({ siteId: e.siteId, eventId: e.eventId, timestamp: e.timestamp })),
        )
      : new Set<string>();
    const fresh = batch.filter((event) => !stored.has(event.eventId));
    summary.duplicates += batch.length - fresh.length;
    if (fresh.length > 0) {
      await options.producer.send(
        options.topic,
        fresh.map((event) => ({ key: partitionKey(event), value: JSON.stringify(event) })),
      );
    }
    summary.imported += fresh.length;
    batch = [];
    options.onProgress?.(summary);
  };

  try {
    try {
      for await (const line of lines) await take(line);
    } catch (error) {
      if (!(error instanceof UnreadableInputError)) throw error;
      summary.stopped = error.message;
    }
    for await (const event of order.drain()) {
      batch.push(event);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    return summary;
  } finally {
    await order.dispose();
  }

  async function take(line: NumberedLine): Promise<void> {
    const { number, text } = line;
    summary.linesRead++;
    if (line.tooLong) return reject(number, `line: longer than ${MAX_LINE_BYTES} bytes`);
    if (text === undefined || text.trim() === '') return;
    let json: unknown;
    try {
      json = parseJsonText(text);
    } catch (error) {
      return reject(number, error instanceof JsonTooDeepError ? `line: ${error.message}` : 'not JSON');
    }
    const parsed = historyEventSchema.safeParse(json);
    if (!parsed.success) {
      const { field, message } = primaryIssue(parsed.error, 'line');
      return reject(number, `${field}: ${message}`);
    }
    const halfRevenue = revenueIssue(parsed.data);
    if (halfRevenue) return reject(number, `${halfRevenue.field}: ${halfRevenue.message}`);
    const event = enrichedFromHistory(options.site, parsed.data, receivedAt);
    const checked = parseEnrichedEvent(event);
    if (!checked.success) {
      const { field, message } = primaryIssue(checked.error, 'line');
      return reject(number, `${field}: ${message}`);
    }
    if (seen.has(event.eventId)) {
      summary.duplicates++;
      return;
    }
    seen.add(event.eventId);
    await order.add(event);
    if (summary.linesRead % batchSize === 0) options.onProgress?.(summary);
  }
}
