import { normalizeDomain } from '@tern/control';
import { amountOf, LIMITS, parseJsonText, primaryIssue, type Revenue, truncate, type WireEvent } from '@tern/events';
import { z } from 'zod';
import { HttpError } from './http-error.ts';

/**
 * Plausible's Events API (`POST /api/event`): the documented long form (`name, url, domain, referrer, props,
 * revenue`) and the short keys its official tracker sends (`n, u, d, r, p, $, h, i`, and `sd`, `e` on
 * engagement events). Unknown keys are ignored, so newer trackers keep working.
 */
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const plausibleEventSchema = z.looseObject({
  n: z.string().optional(),
  name: z.string().optional(),
  u: z.string().optional(),
  url: z.string().optional(),
  d: z.string().optional(),
  domain: z.string().optional(),
  r: z.string().nullable().optional(),
  referrer: z.string().nullable().optional(),
  p: z
    .union([z.record(z.string(), z.unknown()), z.string()])
    .nullable()
    .optional(),
  props: z
    .union([z.record(z.string(), z.unknown()), z.string()])
    .nullable()
    .optional(),
  // An object, or (as Plausible also takes it) that object as a JSON string.
  $: z
    .union([z.looseObject({ currency: scalar.optional(), amount: scalar.optional() }), z.string()])
    .nullable()
    .optional(),
  revenue: z
    .union([z.looseObject({ currency: scalar.optional(), amount: scalar.optional() }), z.string()])
    .nullable()
    .optional(),
  h: z.union([z.number(), z.boolean()]).optional(),
  hashMode: z.union([z.number(), z.boolean()]).optional(),
  sd: z.number().optional(),
  e: z.number().optional(),
});

/** Sites one event may count for (`domain: "a.com,b.com"`). */
export const MAX_DOMAINS = 10;

export interface TranslatedBatch {
  site: string;
  events: WireEvent[];
}

/** One wire batch per domain (Plausible allows `domain: "a.com,b.com"` to count one event for several sites). */
export function translatePlausibleEvent(body: unknown): TranslatedBatch[] {
  const parsed = plausibleEventSchema.safeParse(body);
  if (!parsed.success) {
    const { field, message } = primaryIssue(parsed.error);
    throw new HttpError(400, 'invalid_event', `${field}: ${message}`, field);
  }
  const p = parsed.data;
  const name = p.n ?? p.name;
  const rawUrl = p.u ?? p.url;
  // One event counts once per site, however often the list names it; a list longer than any real roll-up is refused
  // before any work is done for it (a 64 KB body could name thousands of sites).
  const domains = [...new Set((p.d ?? p.domain ?? '').split(',').map(normalizeDomain).filter(Boolean))];
  if (domains.length > MAX_DOMAINS) {
    throw new HttpError(400, 'invalid_event', `domain: at most ${MAX_DOMAINS} sites in one event`, 'domain');
  }
  if (!name) throw new HttpError(400, 'invalid_event', 'name: required', 'name');
  if (!rawUrl) throw new HttpError(400, 'invalid_event', 'url: required', 'url');
  if (domains.length === 0) throw new HttpError(400, 'invalid_event', 'domain: required', 'domain');
  const hashMode = Boolean(p.h ?? p.hashMode);
  const url = hashMode ? rawUrl : (rawUrl.split('#')[0] ?? rawUrl);
  const props = flattenProps(p.p ?? p.props);
  const revenue = revenueOf(p.$ ?? p.revenue);
  const referrer = p.r ?? p.referrer ?? undefined;

  const base = {
    url: truncate(url, LIMITS.maxUrlLength),
    ...(referrer ? { referrer: truncate(referrer, LIMITS.maxUrlLength) } : {}),
  };
  let event: WireEvent;
  if (name === 'pageview') event = { type: 'pageview', ...base, ...(props ? { props } : {}) };
  else if (name === 'engagement') {
    event = {
      type: 'engagement',
      ...base,
      engagedMs: clampInt(p.e ?? 0, 0, 24 * 3600_000),
      scroll: clampInt(p.sd ?? 0, 0, 100),
    };
  } else
    event = {
      type: 'custom',
      name: truncate(name, LIMITS.maxEventNameLength),
      ...base,
      ...(props ? { props } : {}),
      ...(revenue ? { revenue } : {}),
    };
  return domains.map((site) => ({ site, events: [event] }));
}

/** Plausible accepts props as an object or a JSON string; only scalar values are kept, as Plausible does. */
function flattenProps(
  raw: Record<string, unknown> | string | null | undefined,
): Record<string, string | number | boolean> | undefined {
  let source: unknown = raw;
  if (typeof raw === 'string') {
    try {
      source = parseJsonText(raw);
    } catch {
      throw new HttpError(400, 'invalid_event', 'props: not a JSON object', 'props');
    }
  }
  const props: Record<string, string | number | boolean> = {};
  if (source && typeof source === 'object') {
    for (const [key, value] of Object.entries(source)) {
      if (
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value))
      ) {
        props[key] = value;
      }
    }
  }
  return Object.keys(props).length > 0 ? props : undefined;
}

/**
 * Revenue as Plausible takes it (ingestion/request/revenue.ex): an amount (number or decimal string) and a currency
 * code. A revenue Plausible would ignore is ignored here too, and the event kept: a tracker that sends a lower-case
 * currency loses its revenue, not its events. The amount is kept to three decimals, as the warehouse stores it.
 */
function revenueOf(given: { currency?: unknown; amount?: unknown } | string | null | undefined): Revenue | undefined {
  let raw = given;
  if (typeof raw === 'string') {
    try {
      const decoded = parseJsonText(raw);
      raw = decoded && typeof decoded === 'object' ? (decoded as { currency?: unknown; amount?: unknown }) : undefined;
    } catch {
      raw = undefined;
    }
  }
  if (!raw || typeof raw.currency !== 'string' || !/^[A-Z]{3}$/.test(raw.currency)) return undefined;
  const value =
    typeof raw.amount === 'number' ? raw.amount : typeof raw.amount === 'string' ? Number(raw.amount) : Number.NaN;
  const amount = typeof raw.amount === 'string' && /^\s*$/.test(raw.amount) ? undefined : amountOf(value);
  return amount === undefined ? undefined : { amount, currency: raw.currency };
}

function clampInt(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(Number.isFinite(value) ? value : 0)));
}
