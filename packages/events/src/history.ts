import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { EnrichedEvent } from './enriched.ts';
import { isStorableTime, LIMITS } from './limits.ts';
import { amountOf, CURRENCY, eventTypeSchema, propsSchema, REVENUE_AMOUNT, stringifyProps } from './wire.ts';

/**
 * One line of the event history, as `GET /api/v1/events?format=ndjson` writes it and the history import reads it.
 * Export writes every field; import needs only `timestamp` and `visitor_id` (and a page or an event name) and fills
 * the rest with blanks, so history from other tools can be mapped onto it. `session_id` is exported for reference
 * and ignored on import: sessions are rebuilt by the same ingest code as live traffic.
 */
const text = (max: number) => z.string().max(max).default('');
const url = text(LIMITS.maxUrlLength);

export const historyEventSchema = z.object({
  event_id: z.uuid().optional(),
  /** ISO 8601 with a zone offset (`2026-03-01T10:00:00+01:00`, `…Z`), or milliseconds since the epoch. */
  timestamp: z
    .union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()])
    .refine((value) => isStorableTime(timeOf(value)), { message: 'must be between 1970-01-01 and 2099-12-31' }),
  type: eventTypeSchema.default('pageview'),
  name: z.string().min(1).max(LIMITS.maxEventNameLength).optional(),
  /** A decimal UInt64 is kept as it is; any other string is hashed to one (ids from other tools). */
  visitor_id: z.union([z.string().min(1).max(256), z.number().int().nonnegative()]),
  session_id: z.string().optional(),
  hostname: url,
  pathname: url,
  query: url,
  title: text(LIMITS.maxTitleLength),
  referrer: url,
  referrer_host: url,
  source: url,
  utm_source: url,
  utm_medium: url,
  utm_campaign: url,
  utm_term: url,
  utm_content: url,
  country: text(2),
  region: text(128),
  city: text(128),
  browser: text(64),
  browser_version: text(32),
  os: text(64),
  os_version: text(32),
  device: z.enum(['desktop', 'mobile', 'tablet', '']).default(''),
  screen_width: z.number().int().min(0).max(LIMITS.maxScreenPixels).default(0),
  language: text(LIMITS.maxLanguageLength),
  /** The live path's props and limits; numbers and booleans are stored as strings, as live events' are. */
  props: propsSchema.default({}),
  engaged_ms: z.number().int().min(0).max(LIMITS.maxEngagedMs).default(0),
  scroll_depth: z.number().int().min(0).max(100).default(0),
  /** Revenue of a custom event (wire.ts revenueSchema), or both empty. */
  revenue_amount: z
    .union([z.string().regex(new RegExp(`^(${REVENUE_AMOUNT.source.slice(1, -1)})?$`)), z.number()])
    .transform((amount) => (typeof amount === 'number' ? amountOf(amount) : amount))
    .refine((amount) => amount !== undefined, 'a decimal amount with at most 15 digits before the point')
    .default(''),
  revenue_currency: z
    .string()
    .regex(new RegExp(`^(${CURRENCY.source.slice(1, -1)})?$`), 'an ISO 4217 code (three capital letters), or empty')
    .default(''),
});
export type HistoryEvent = z.infer<typeof historyEventSchema>;
/** What export writes: every field present. */
export type HistoryLine = Required<Omit<HistoryEvent, 'name' | 'timestamp' | 'visitor_id' | 'props'>> & {
  props: Record<string, string>;
  name: string;
  timestamp: string;
  visitor_id: string;
};

/**
 * A history line as the enriched event live traffic would have produced. Without an `event_id`, the id is derived
 * from the site and the line's content (a name-based UUID over a SHA-256, RFC 9562 version 8), so importing the same
 * line again yields the same id, which ingest then drops; two lines identical in every field are one event.
 */
export function enrichedFromHistory(site: string, line: HistoryEvent, receivedAt: number): EnrichedEvent {
  const timestamp = timeOf(line.timestamp);
  const props = stringifyProps(line.props);
  const visitorId = toVisitorId(line.visitor_id);
  const name = line.type === 'custom' ? (line.name ?? 'custom') : line.type;
  const eventId =
    line.event_id ??
    nameBasedUuid([
      site,
      String(timestamp),
      visitorId,
      line.type,
      name,
      line.hostname,
      line.pathname,
      canonical(props),
      ...distinguishing(line),
    ]);
  return {
    v: 1,
    eventId,
    siteId: site,
    type: line.type,
    name,
    timestamp,
    receivedAt,
    visitorId,
    previousVisitorId: '',
    hostname: line.hostname,
    pathname: line.pathname,
    query: line.query,
    title: line.title,
    referrer: line.referrer,
    referrerHost: line.referrer_host,
    source: line.source,
    utmSource: line.utm_source,
    utmMedium: line.utm_medium,
    utmCampaign: line.utm_campaign,
    utmTerm: line.utm_term,
    utmContent: line.utm_content,
    country: line.country,
    region: line.region,
    city: line.city,
    browser: line.browser,
    browserVersion: line.browser_version,
    os: line.os,
    osVersion: line.os_version,
    device: line.device,
    screenWidth: line.screen_width,
    language: line.language,
    props,
    engagedMs: line.engaged_ms,
    scrollDepth: line.scroll_depth,
    ...revenueOf(line.revenue_amount ?? '', line.revenue_currency),
  };
}

/** The line's revenue, or none; an amount without its currency (or the reverse) is a bad line (`revenueIssue`). */
function revenueOf(amount: string, currency: string): Pick<EnrichedEvent, 'revenueAmount' | 'revenueCurrency'> {
  return amount && currency
    ? { revenueAmount: amount, revenueCurrency: currency }
    : { revenueAmount: '', revenueCurrency: '' };
}

/** The field at fault when a line has half a revenue. */
export function revenueIssue(line: HistoryEvent): { field: string; message: string } | undefined {
  if (line.revenue_amount && !line.revenue_currency)
    return { field: 'revenue_currency', message: 'required with revenue_amount' };
  if (!line.revenue_amount && line.revenue_currency)
    return { field: 'revenue_amount', message: 'required with revenue_currency' };
  return undefined;
}

/**
 * Every other field of a line makes two lines two events: each one that is set takes part as `name=value`, in the
 * schema's order. Only fields that are set: a line that sets none of them keeps the id earlier versions derived, so
 * a file imported before still imports as a duplicate of itself; a field added to the schema later joins by itself.
 */
const IN_BASE_PARTS = new Set([
  'event_id',
  'session_id',
  'timestamp',
  'type',
  'name',
  'visitor_id',
  'hostname',
  'pathname',
  'props',
]);
const DISTINGUISHING = Object.keys(historyEventSchema.shape).filter((field) => !IN_BASE_PARTS.has(field)) as Array<
  keyof HistoryEvent
>;

function distinguishing(line: HistoryEvent): string[] {
  return DISTINGUISHING.flatMap((field) => {
    const value = line[field];
    return value === undefined || value === '' || value === 0 ? [] : [`${field}=${String(value)}`];
  });
}

function timeOf(timestamp: string | number): number {
  return typeof timestamp === 'number' ? timestamp : Date.parse(timestamp);
}

const UINT64_MAX = 18_446_744_073_709_551_615n;

function toVisitorId(id: string | number): string {
  const value = String(id);
  if (/^\d{1,20}$/.test(value) && BigInt(value) <= UINT64_MAX) return BigInt(value).toString();
  return createHash('sha256').update(value).digest().readBigUInt64BE(0).toString();
}

function canonical(props: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(props)
      .sort()
      .map((key) => [key, props[key]]),
  );
}

function nameBasedUuid(parts: string[]): string {
  const bytes = createHash('sha256').update(parts.join('\u0000')).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80; // version 8
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
