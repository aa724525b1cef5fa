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

/** Props as stored: every value a string (`true` → "true", `3.5` → "3.5"). */
export function stringifyProps(props: z.infer<typeof propsSchema> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!props) return out;
  for (const [key, value] of Object.entries(props)) out[key] = String(value);
  return out;
}
