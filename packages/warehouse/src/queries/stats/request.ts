import { LIMITS } from '@tern/events';
import { z } from 'zod';

/** The request body of `POST /api/v2/query`, in the shape of Plausible's Stats API v2. */

export const SUPPORTED_METRICS = [
  'visitors',
  'visits',
  'pageviews',
  'events',
  'bounce_rate',
  'visit_duration',
  'views_per_visit',
  'scroll_depth',
  'time_on_page',
  'percentage',
  'conversion_rate',
  'group_conversion_rate',
  'exit_rate',
  'total_revenue',
  'average_revenue',
] as const;
/** Metrics computed from the sessions table rather than from events. */
export const SESSION_METRICS = ['bounce_rate', 'visit_duration', 'views_per_visit'] as const;
export type SessionMetric = (typeof SESSION_METRICS)[number];
/** Metrics relative to a total that another query computes. */
export const RELATIVE_METRICS = ['percentage', 'conversion_rate', 'group_conversion_rate', 'exit_rate'] as const;
export type RelativeMetric = (typeof RELATIVE_METRICS)[number];
/** Metrics read from engagement pings, which every other metric ignores. */
export const ENGAGEMENT_METRICS = ['scroll_depth', 'time_on_page'] as const;
export type Metric = (typeof SUPPORTED_METRICS)[number];

export const TIME_DIMENSIONS = ['time', 'time:minute', 'time:hour', 'time:day', 'time:week', 'time:month'] as const;
export const FIELD_DIMENSIONS = [
  'event:page',
  'event:name',
  'event:hostname',
  'event:goal',
  'visit:entry_page',
  'visit:exit_page',
  'visit:entry_page_hostname',
  'visit:exit_page_hostname',
  'visit:source',
  'visit:referrer',
  'visit:utm_source',
  'visit:utm_medium',
  'visit:utm_campaign',
  'visit:utm_term',
  'visit:utm_content',
  'visit:country',
  'visit:region',
  'visit:city',
  'visit:browser',
  'visit:browser_version',
  'visit:os',
  'visit:os_version',
  'visit:device',
  'visit:device_type',
] as const;
/** Dimensions only sessions hold: every metric of a query that breaks down or filters by one is the sessions' own. */
export const SESSION_ONLY_DIMENSIONS: readonly string[] = [
  'visit:entry_page',
  'visit:exit_page',
  'visit:exit_page_hostname',
];
export type TimeDimension = (typeof TIME_DIMENSIONS)[number];
export type FieldDimension = (typeof FIELD_DIMENSIONS)[number] | `event:props:${string}`;
export type Dimension = TimeDimension | FieldDimension;

const PROP_DIMENSION = /^event:props:[^\s]{1,64}$/;
const isFieldDimension = (value: string): value is FieldDimension =>
  (FIELD_DIMENSIONS as readonly string[]).includes(value) || PROP_DIMENSION.test(value);
const isDimension = (value: string): value is Dimension =>
  (TIME_DIMENSIONS as readonly string[]).includes(value) || isFieldDimension(value);

export const DATE_RANGE_SHORTCUTS = [
  'day',
  '24h',
  '7d',
  '28d',
  '30d',
  '91d',
  'month',
  '6mo',
  '12mo',
  'year',
  'all',
] as const;

const dimensionSchema = z.string().refine(isDimension, { message: 'unknown dimension' }) as z.ZodType<Dimension>;
const fieldDimensionSchema = z
  .string()
  .refine(isFieldDimension, { message: 'unknown or unfilterable dimension' }) as z.ZodType<FieldDimension>;

export const FILTER_OPERATORS = ['is', 'is_not', 'contains', 'contains_not', 'matches', 'matches_not'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export type Filter =
  | [FilterOperator, FieldDimension, string[]]
  | [FilterOperator, FieldDimension, string[], { case_sensitive?: boolean }]
  | ['and' | 'or', Filter[]]
  | ['not', Filter];

const filterValues = z.array(z.string().max(2048)).min(1).max(100);
const simpleFilter = z.union([
  z.tuple([z.enum(FILTER_OPERATORS), fieldDimensionSchema, filterValues]),
  z.tuple([
    z.enum(FILTER_OPERATORS),
    fieldDimensionSchema,
    filterValues,
    z.strictObject({ case_sensitive: z.boolean().optional() }),
  ]),
]);
export const filterSchema: z.ZodType<Filter> = z.lazy(() =>
  z.union([
    simpleFilter,
    z.tuple([z.enum(['and', 'or']), z.array(filterSchema).min(1).max(20)]),
    z.tuple([z.literal('not'), filterSchema]),
  ]),
) as z.ZodType<Filter>;

/**
 * Dates the warehouse holds events for (LIMITS.minTimestampMs to maxTimestampMs, 1970 to 2099): a calendar date in
 * that span, so that no bound computed from it (a day before, two days after) leaves what ClickHouse's types hold.
 */
const FIRST_DAY = new Date(LIMITS.minTimestampMs).toISOString().slice(0, 10);
const LAST_DAY = new Date(LIMITS.maxTimestampMs).toISOString().slice(0, 10);
const inStorableSpan = (ms: number) => ms >= Date.parse(`${FIRST_DAY}T00:00:00Z`) && ms <= LIMITS.maxTimestampMs;
/** How deep `and`, `or` and `not` may nest: deeper trees say nothing more, and cost the SQL parser. */
export const MAX_FILTER_DEPTH = 8;

function filterDepth(filter: Filter): number {
  if (filter[0] === 'not') return 1 + filterDepth(filter[1] as Filter);
  if (filter[0] === 'and' || filter[0] === 'or') return 1 + Math.max(...(filter[1] as Filter[]).map(filterDepth));
  return 1;
}

export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date')
  .refine((day) => day >= FIRST_DAY && day <= LAST_DAY, `must be between ${FIRST_DAY} and ${LAST_DAY}`);
export const isoDateTimeSchema = z.iso
  .datetime({ offset: true })
  .refine((text) => inStorableSpan(Date.parse(text)), `must be between ${FIRST_DAY} and ${LAST_DAY}`);
/** A pair of dates or instants, the first not after the second. */
const ordered = <T extends z.ZodType<string>>(end: T) =>
  z
    .tuple([end, end])
    .refine(([from, to]) => Date.parse(String(from)) <= Date.parse(String(to)), 'the range starts after it ends');

const shortcutSchema = z.enum(DATE_RANGE_SHORTCUTS);
const dayPairSchema = ordered(isoDateSchema);
const instantPairSchema = ordered(isoDateTimeSchema);
type DateRange = z.infer<typeof shortcutSchema> | z.infer<typeof dayPairSchema> | z.infer<typeof instantPairSchema>;

/**
 * A shortcut, two dates or two instants. Chosen by shape rather than as a union, so that a refusal names what is
 * wrong with the form the caller meant (`date_range.0: not a calendar date`) instead of "matches no form".
 */
const dateRangeSchema = z.unknown().transform((value, context): DateRange => {
  const first = Array.isArray(value) ? value[0] : undefined;
  const schema =
    typeof value === 'string'
      ? shortcutSchema
      : typeof first === 'string' && first.length > 10
        ? instantPairSchema
        : dayPairSchema;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

function isCalendarDate(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(day);
}

export const statsRequestSchema = z.strictObject({
  site_id: z.string().min(1).max(253),
  metrics: z.array(z.enum(SUPPORTED_METRICS)).min(1).max(SUPPORTED_METRICS.length),
  date_range: dateRangeSchema,
  dimensions: z.array(dimensionSchema).max(5).default([]),
  filters: z
    .array(filterSchema)
    .max(20)
    .refine((filters) => filters.every((filter) => filterDepth(filter) <= MAX_FILTER_DEPTH), {
      message: `filters nest at most ${MAX_FILTER_DEPTH} levels deep`,
    })
    .default([]),
  order_by: z
    .array(z.tuple([z.string(), z.enum(['asc', 'desc'])]))
    .max(10)
    .optional(),
  include: z
    .strictObject({
      total_rows: z.boolean().optional(),
      time_labels: z.boolean().optional(),
      imports: z.boolean().optional(),
      /** Each row also gets the same figures for another period, and the change (see compare.ts). */
      comparisons: z
        .strictObject({
          mode: z.enum(['previous_period', 'year_over_year', 'custom']),
          date_range: ordered(isoDateSchema).optional(),
        })
        .refine((c) => (c.mode === 'custom') === (c.date_range !== undefined), {
          message: 'date_range is required with mode custom, and only then',
        })
        .optional(),
    })
    .optional(),
  pagination: z
    .strictObject({
      limit: z.number().int().min(1).max(10_000).default(10_000),
      offset: z.number().int().min(0).default(0),
    })
    .default({ limit: 10_000, offset: 0 }),
});
export type StatsRequest = z.infer<typeof statsRequestSchema>;
