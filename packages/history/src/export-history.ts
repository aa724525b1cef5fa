import type { HistoryLine } from '@tern/events';
import { type EventCursor, type ReadEventsQuery, readEvents, type StoredEvent, type Warehouse } from '@tern/warehouse';

export type ExportQuery = Omit<ReadEventsQuery, 'limit'>;

/** Rows fetched per page while streaming: bounds memory whatever the export's size. */
const PAGE = 5000;

/** Every event of the query, in (timestamp, event id) order, fetched page by page. */
export async function* exportHistory(warehouse: Warehouse, query: ExportQuery): AsyncGenerator<HistoryLine> {
  let after = query.after;
  for (;;) {
    const rows = await readEvents(warehouse.client, { ...query, after, limit: PAGE });
    for (const row of rows) yield toHistoryLine(row);
    const last = rows[rows.length - 1];
    if (!last || rows.length < PAGE) return;
    after = { timestamp: last.timestamp, eventId: last.event_id };
  }
}

export function toHistoryLine(row: StoredEvent): HistoryLine {
  const { event_id, timestamp, ...rest } = row;
  return { event_id, timestamp: new Date(timestamp).toISOString(), ...rest };
}

/** An opaque cursor for the JSON pages of `GET /api/v1/events`. */
export function encodeCursor(line: Pick<HistoryLine, 'timestamp' | 'event_id'>): string {
  return Buffer.from(`${Date.parse(line.timestamp)}:${line.event_id}`).toString('base64url');
}

export function decodeCursor(cursor: string): EventCursor | undefined {
  const match = /^(\d{1,15}):([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? { timestamp: Number(match[1]), eventId: match[2] as string } : undefined;
}

export const CSV_COLUMNS: readonly (keyof HistoryLine)[] = [
  'event_id',
  'timestamp',
  'type',
  'name',
  'visitor_id',
  'session_id',
  'hostname',
  'pathname',
  'query',
  'title',
  'referrer',
  'referrer_host',
  'source',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'country',
  'region',
  'city',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'device',
  'screen_width',
  'language',
  'props',
  'engaged_ms',
  'scroll_depth',
  'revenue_amount',
  'revenue_currency',
];

/** RFC 4180: quote every field that needs it; props as JSON. */
export function csvRow(line: HistoryLine): string {
  return `${CSV_COLUMNS.map((column) => {
    const value = line[column];
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  }).join(',')}\r\n`;
}

/** The export as text chunks in one of the three formats. */
export async function* formatHistory(
  lines: AsyncIterable<HistoryLine>,
  format: 'ndjson' | 'csv' | 'json',
): AsyncGenerator<string> {
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
  if (format === 'json') yield '[';
  let first = true;
  for await (const line of lines) {
    if (format === 'ndjson') yield `${JSON.stringify(line)}\n`;
    else if (format === 'csv') yield csvRow(line);
    else {
      yield `${first ? '' : ','}\n${JSON.stringify(line)}`;
      first = false;
    }
  }
  if (format === 'json') yield '\n]\n';
}
