import { z } from 'zod';
import { LIMITS } from './limits.ts';

/** What a browser sends: `POST /v1/events` with `{ site, events: [...] }`. */
export const EVENT_TYPES = ['pageview', 'custom', 'engagement'] as const;
export const eventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof eventTypeSchema>;

const propValue = z.union([z.string().max(LIMITS.maxPropValueLength), z.number().finite(), z.boolean()]);
export const propKeySchema = z.string().min(1).max(LIMITS.maxPropKeyLength);

/** Custom properties, on the live path and in imported history alike. */
export const propsSchema = z
  .record(propKeySchema, propValue)
  .refine((props) => Object.keys(props).length <= LIMITS.maxProps, {
    message: `at most ${LIMITS.maxProps} props`,
  })
  // A refinement has no JSON Schema of its own; the compiled check (compiled-check.ts) reads this one.
  .meta({ maxProperties: LIMITS.maxProps });

/**
 * Revenue of an event, as Plausible's Events API takes it: an amount with at most three decimals (the warehouse's
 * Decimal(18, 3)) in an ISO 4217 currency. A goal with that currency reports it (Goal in control.ts).
 */
export const REVENUE_AMOUNT = /^-?\d{1,15}(\.\d{1,3})?$/;
export const CURRENCY = /^[A-Z]{3}$/;
export const revenueSchema = z.strictObject({
  amount: z.string().regex(REVENUE_AMOUNT, 'a decimal number with at most 15 digits before the point and 3 after'),
  currency: z.string().regex(CURRENCY, 'an ISO 4217 currency code (three capital letters)'),
});
export type Revenue = z.infer<typeof revenueSchema>;

export const wireEventSchema = z.strictObject({
  type: eventTypeSchema,
  /** Custom event name; pageview and engagement events take their type as name. */
  name: z.string().min(1).max(LIMITS.maxEventNameLength).optional(),
  url: z.string().min(1).max(LIMITS.maxUrlLength),
  referrer: z.string().max(LIMITS.maxUrlLength).optional(),
  title: z.string().max(LIMITS.maxTitleLength).optional(),
  /** Client clock, milliseconds since the epoch. */
  ts: z.number().int().nonnegative().optional(),
  /** Screen width in CSS pixels; the device class is derived from it and the user agent. */
  sw: z.number().int().min(0).max(LIMITS.maxScreenPixels).optional(),
  sh: z.number().int().min(0).max(LIMITS.maxScreenPixels).optional(),
  lang: z.string().max(LIMITS.maxLanguageLength).optional(),
  props: propsSchema.optional(),
  /** Custom events only: what the event earned. */
  revenue: revenueSchema.optional(),
  /** Engagement only: milliseconds the page was visible, and the deepest scroll in percent. */
  engagedMs: z.number().int().min(0).max(LIMITS.maxEngagedMs).optional(),
  scroll: z.number().int().min(0).max(100).optional(),
});
export type WireEvent = z.infer<typeof wireEventSchema>;

export const wireBatchSchema = z.strictObject({
  site: z.string().min(1).max(LIMITS.maxSiteLength),
  events: z.array(z.unknown()).min(1).max(LIMITS.maxEventsPerBatch),
});
export type WireBatch = z.infer<typeof wireBatchSchema>;

/** An amount as revenueSchema writes it, from a number: three decimals at most; undefined when it does not fit. */
export function amountOf(value: number): string | undefined {
  if (!Number.isFinite(value) || Math.abs(value) >= 1e15) return undefined;
  return String(Math.round(value * 1000) / 1000);
}

/** Props as stored: every value a string (`true` → "true", `3.5` → "3.5"). */
export function stringifyProps(props: z.infer<typeof propsSchema> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!props) return out;
  for (const [key, value] of Object.entries(props)) out[key] = String(value);
  return out;
}
