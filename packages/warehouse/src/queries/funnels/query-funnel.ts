import type { ClickHouseClient } from '@clickhouse/client';
import { type Goal, goalName } from '@tern/events';
import { z } from 'zod';
import { resolveDateRange } from '../stats/date-range.ts';
import { compileFilters } from '../stats/filters.ts';
import { goalCondition } from '../stats/goals.ts';
import { ParamBag } from '../stats/params.ts';
import { firstEventDay } from '../stats/query-stats.ts';
import { rangeCondition } from '../stats/range-sql.ts';
import { filterSchema, statsRequestSchema } from '../stats/request.ts';

/** A funnel question: ordered steps (pages, with `*` wildcards, or custom events) over a date range. */
export const funnelRequestSchema = z.strictObject({
  site_id: z.string().min(1).max(253),
  date_range: statsRequestSchema.shape.date_range,
  steps: z
    .array(
      z.union([
        z.strictObject({ page: z.string().min(1).max(2048).startsWith('/') }),
        z.strictObject({ event: z.string().min(1).max(120) }),
      ]),
    )
    .min(2)
    .max(8),
  /** How long after the first step a visitor has to reach the last. */
  window_minutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  filters: z.array(filterSchema).max(20).default([]),
});
export type FunnelRequest = z.infer<typeof funnelRequestSchema>;

export interface FunnelStepResult {
  label: string;
  /** Visitors who reached this step, in order, within the window. */
  visitors: number;
  /** Percent of the first step's visitors, two decimals. */
  conversion_rate: number;
  /** Visitors lost since the previous step. */
  dropoff: number;
}

export interface FunnelResponse {
  /** Visitors in the range under the filters, funnel or not. */
  visitors: number;
  steps: FunnelStepResult[];
}

/**
 * Conversion through ordered steps per visitor, with ClickHouse's `windowFunnel`: a visitor reaches step k when events
 * matching steps 1..k happened in that order, all within `window_minutes` of the step-1 event.
 */
export async function queryFunnel(
  client: ClickHouseClient,
  request: FunnelRequest,
  context: { timezone: string; now: Date },
): Promise<FunnelResponse> {
  const params = new ParamBag();
  const site = params.add(request.site_id, 'String');
  const tz = params.add(context.timezone, 'String');
  const firstDay = request.date_range === 'all' ? await firstEventDay(client, request.site_id, context.timezone) : '';
  const range = resolveDateRange(request.date_range, context.timezone, context.now, firstDay);
  const conditions = request.steps.map((step) => goalCondition(step as Goal, params));
  const window = params.add(request.window_minutes * 60, 'UInt64');
  const query = `
    SELECT level, count() AS visitors FROM (
      SELECT visitor_id, windowFunnel(${window})(toUInt32(toUnixTimestamp(timestamp)), ${conditions.join(', ')}) AS level
      FROM events
      WHERE site_id = ${site} AND type != 'engagement' AND ${rangeCondition(range, tz, params, 'timestamp')}
        AND ${compileFilters(request.filters, params)}
      GROUP BY visitor_id
    ) GROUP BY level`;
  const result = await client.query({ query, query_params: params.values, format: 'JSONCompactEachRow' });
  const byLevel = new Map((await result.json<[number, number]>()).map(([level, n]) => [Number(level), Number(n)]));
  const visitors = [...byLevel.values()].reduce((a, b) => a + b, 0);
  const reached = request.steps.map((_, i) =>
    [...byLevel.entries()].filter(([level]) => level >= i + 1).reduce((sum, [, n]) => sum + n, 0),
  );
  const first = reached[0] ?? 0;
  return {
    visitors,
    steps: request.steps.map((step, i) => ({
      label: 'event' in step ? step.event : goalName(step),
      visitors: reached[i] ?? 0,
      conversion_rate: first === 0 ? 0 : Math.round(((reached[i] ?? 0) / first) * 10_000) / 100,
      dropoff: i === 0 ? 0 : (reached[i - 1] ?? 0) - (reached[i] ?? 0),
    })),
  };
}
