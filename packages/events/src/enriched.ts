import { z } from 'zod';
import { LIMITS } from './limits.ts';
import { CURRENCY, eventTypeSchema, propKeySchema, REVENUE_AMOUNT } from './wire.ts';

/**
 * What the collector writes to the events topic and the ingest worker reads.
 * Everything that identifies a visitor has been reduced to `visitorId` (a keyed, daily-salted hash)
 * before this record exists; no IP address or user agent is in it.
 */
export const ENRICHED_EVENT_VERSION = 1;

const shortText = z.string().max(LIMITS.maxUrlLength);

/**
 * A decimal UInt64: up to 18446744073709551615. ClickHouse wraps a larger one silently, so twenty digits alone are
 * not enough. A pattern rather than a refinement, so that the compiled check (compiled-check.ts) applies it too.
 */
const UINT64_DECIMAL = decimalAtMost('18446744073709551615');

/** A pattern for decimal numbers from 0 to `max` without leading zeros, digit by digit. */
function decimalAtMost(max: string): RegExp {
  const shorter = `0|[1-9]\\d{0,${max.length - 2}}`;
  const same: string[] = [];
  for (let i = 0; i < max.length; i++) {
    const digit = Number(max[i]);
    const low = i === 0 ? 1 : 0;
    if (digit > low) same.push(`${max.slice(0, i)}[${low}-${digit - 1}]\\d{${max.length - i - 1}}`);
  }
  same.push(max);
  return new RegExp(`^(?:${shorter}|${same.join('|')})$`);
}

/**
 * Changes are additive so that collectors and ingest workers can be upgraded one at a time: a reader ignores
 * fields it does not know (z.object strips them), and a field added later has a default for records written
 * before it.
 */
export const enrichedEventSchema = z.object({
  v: z.literal(ENRICHED_EVENT_VERSION),
  eventId: z.uuid(),
  siteId: z.string().min(1).max(LIMITS.maxSiteLength),
  type: eventTypeSchema,
  name: z.string().min(1).max(LIMITS.maxEventNameLength),
  /** Event time (client clock clamped to the receive time's window), ms since the epoch. */
  timestamp: z.number().int().min(LIMITS.minTimestampMs).max(LIMITS.maxTimestampMs),
  receivedAt: z.number().int().min(LIMITS.minTimestampMs).max(LIMITS.maxTimestampMs),
  /** UInt64 as a decimal string: JSON has no 64-bit integers. */
  visitorId: z.string().regex(UINT64_DECIMAL, 'a decimal UInt64'),
  /**
   * In the first hour after UTC midnight: the same visitor's id under yesterday's salt, so that a session that
   * crosses midnight continues. Empty otherwise.
   */
  previousVisitorId: z
    .string()
    .regex(new RegExp(`^(${UINT64_DECIMAL.source.slice(1, -1)})?$`), 'a decimal UInt64, or empty')
    .default(''),
  hostname: shortText,
  pathname: shortText,
  /** Query string without the utm_ parameters, for the event history. */
  query: shortText,
  title: z.string().max(LIMITS.maxTitleLength),
  referrer: shortText,
  referrerHost: shortText,
  /** Named source ("Google", "Twitter", or the referrer host, or a utm_source/ref); empty for direct. */
  source: shortText,
  utmSource: shortText,
  utmMedium: shortText,
  utmCampaign: shortText,
  utmTerm: shortText,
  utmContent: shortText,
  country: z.string().max(2),
  /** Region and city: filled only when the collector runs with a city database (GEOIP_CITY). */
  region: z.string().max(128).default(''),
  city: z.string().max(128).default(''),
  browser: z.string().max(64),
  browserVersion: z.string().max(32),
  os: z.string().max(64),
  osVersion: z.string().max(32),
  device: z.enum(['desktop', 'mobile', 'tablet', '']),
  screenWidth: z.number().int().min(0).max(LIMITS.maxScreenPixels),
  language: z.string().max(LIMITS.maxLanguageLength),
  props: z
    .record(propKeySchema, z.string().max(LIMITS.maxPropValueLength))
    .refine((props) => Object.keys(props).length <= LIMITS.maxProps, { message: `at most ${LIMITS.maxProps} props` })
    .meta({ maxProperties: LIMITS.maxProps }),
  engagedMs: z.number().int().min(0).max(LIMITS.maxEngagedMs),
  scrollDepth: z.number().int().min(0).max(100),
  /** Revenue (wire.ts revenueSchema); both empty when the event has none, as in records written before it. */
  revenueAmount: z
    .string()
    .regex(new RegExp(`^(${REVENUE_AMOUNT.source.slice(1, -1)})?$`), 'a decimal amount, or empty')
    .default(''),
  revenueCurrency: z
    .string()
    .regex(new RegExp(`^(${CURRENCY.source.slice(1, -1)})?$`), 'an ISO 4217 code, or empty')
    .default(''),
});
export type EnrichedEvent = z.infer<typeof enrichedEventSchema>;

/**
 * Partition key: one visitor of one site lands in one partition (sessions rely on it). Right after midnight
 * the previous day's id keys the event, so it joins the partition that holds the visitor's open session.
 */
export function partitionKey(event: Pick<EnrichedEvent, 'siteId' | 'visitorId' | 'previousVisitorId'>): string {
  return `${event.siteId}:${event.previousVisitorId || event.visitorId}`;
}

/** How long after UTC midnight events also carry the previous day's visitor id. */
export const MIDNIGHT_CROSSING_MS = 60 * 60 * 1000;
