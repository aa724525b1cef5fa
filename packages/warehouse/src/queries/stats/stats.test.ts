import { primaryIssue } from '@tern/events';
import { describe, expect, it } from 'vitest';
import { resolveDateRange } from './date-range.ts';
import { InvalidStatsQueryError } from './errors.ts';
import { bucketFor } from './expressions.ts';
import { compileFilters } from './filters.ts';
import { ParamBag } from './params.ts';
import { coalesceRanges } from './range-sql.ts';
import { MAX_FILTER_DEPTH, statsRequestSchema } from './request.ts';
import { timeLabels } from './time-labels.ts';

describe('filters', () => {
  it('binds every value as a parameter and never splices it into SQL', () => {
    const params = new ParamBag();
    const hostile = "x') OR 1=1 --\\";
    const sql = compileFilters(
      [
        ['is', 'event:page', [hostile, '/b']],
        ['not', ['contains', 'visit:source', ["'"]]],
        ['is', "event:props:pla'n", ['pro']],
      ],
      params,
    );
    expect(sql).not.toContain(hostile);
    expect(sql).not.toContain("pla'n");
    expect(Object.values(params.values)).toEqual(expect.arrayContaining([hostile, '/b', "'", "pla'n", 'pro']));
    expect(sql).toMatch(/pathname IN \(\{p0:String\}, \{p1:String\}\)/);
  });
});

describe('request schema', () => {
  it('names the field at fault', () => {
    const result = statsRequestSchema.safeParse({
      site_id: 'e.com',
      metrics: ['visitors'],
      date_range: '7d',
      dimensions: ['visit:nope'],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['dimensions', 0]);
  });
});

describe('date ranges', () => {
  const now = new Date('2026-03-10T01:30:00Z');
  it('resolves days in the site time zone', () => {
    // 01:30 UTC is still March 9 in New York.
    expect(resolveDateRange('day', 'America/New_York', now, '')).toEqual({
      kind: 'days',
      from: '2026-03-09',
      to: '2026-03-09',
    });
    expect(resolveDateRange('7d', 'UTC', now, '')).toEqual({ kind: 'days', from: '2026-03-04', to: '2026-03-10' });
    expect(resolveDateRange('month', 'UTC', now, '')).toEqual({ kind: 'days', from: '2026-03-01', to: '2026-03-31' });
    expect(resolveDateRange('12mo', 'UTC', now, '')).toEqual({ kind: 'days', from: '2025-04-01', to: '2026-03-31' });
  });

  it('lists every label, empty buckets included', () => {
    expect(timeLabels({ kind: 'days', from: '2026-02-27', to: '2026-03-02' }, 'day', 'UTC')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
    expect(timeLabels({ kind: 'days', from: '2026-03-04', to: '2026-03-10' }, 'week', 'UTC')).toEqual([
      '2026-03-04',
      '2026-03-09',
    ]);
  });
});

describe('coalesceRanges', () => {
  const days = (from: string, to: string) => ({ kind: 'days' as const, from, to });

  it('joins a period and the previous one into one range, in either order', () => {
    expect(coalesceRanges([days('2026-10-28', '2026-11-26'), days('2026-09-28', '2026-10-27')])).toEqual([
      days('2026-09-28', '2026-11-26'),
    ]);
    expect(coalesceRanges([days('2026-01-01', '2026-01-31'), days('2026-01-15', '2026-01-20')])).toEqual([
      days('2026-01-01', '2026-01-31'),
    ]);
  });

  it('keeps ranges with a day between them apart, and instant ranges as they are', () => {
    const instants = { kind: 'instants' as const, from: new Date(0), to: new Date(1000) };
    expect(coalesceRanges([days('2026-02-01', '2026-02-10'), instants, days('2026-01-01', '2026-01-30')])).toEqual([
      days('2026-01-01', '2026-01-30'),
      days('2026-02-01', '2026-02-10'),
      instants,
    ]);
  });
});

describe('bounds of a query', () => {
  const request = (fields: Record<string, unknown>) =>
    statsRequestSchema.safeParse({ site_id: 'e.com', metrics: ['visitors'], date_range: '7d', ...fields });
  const field = (result: ReturnType<typeof request>) => (result.success ? undefined : primaryIssue(result.error).field);

  it('takes calendar dates from 1970 to 2099 only, in order', () => {
    expect(field(request({ date_range: ['2026-13-01', '2026-12-31'] }))).toBe('date_range.0');
    expect(field(request({ date_range: ['2026-02-30', '2026-03-01'] }))).toBe('date_range.0');
    expect(field(request({ date_range: ['0000-01-01', '2026-01-01'] }))).toBe('date_range.0');
    expect(field(request({ date_range: ['0001-01-01', '9999-12-29'] }))).toBe('date_range.0');
    expect(field(request({ date_range: ['2026-01-01', '9999-12-30'] }))).toBe('date_range.1');
    expect(field(request({ date_range: ['2026-02-01', '2026-01-01'] }))).toBe('date_range');
    expect(field(request({ date_range: ['1970-01-01', '2099-12-31'] }))).toBeUndefined();
    expect(field(request({ date_range: ['2026-01-01T00:00:00Z', '2150-01-01T00:00:00Z'] }))).toBe('date_range.1');
  });

  it('bounds how deep filters nest', () => {
    let deep: unknown = ['is', 'event:page', ['/']];
    for (let i = 0; i < MAX_FILTER_DEPTH; i++) deep = ['not', deep];
    expect(field(request({ filters: [deep] }))).toBe('filters');
    expect(field(request({ filters: [(deep as unknown[])[1]] }))).toBeUndefined();
  });

  it('takes any page offset as a number, not wrapping at 2^32', () => {
    const parsed = statsRequestSchema.parse({
      site_id: 'e.com',
      metrics: ['visitors'],
      date_range: '7d',
      pagination: { limit: 10, offset: 2 ** 32 },
    });
    expect(parsed.pagination.offset).toBe(2 ** 32);
  });

  it('caps the time buckets of a query, with the limit in the message', () => {
    const hours = (days: number) => days * 24;
    expect(bucketFor('time:hour', hours(366))).toBe('hour');
    expect(() => bucketFor('time:hour', hours(3653))).toThrow(/at most 10,000/);
    expect(() => bucketFor('time:week', hours(2_914_000))).toThrow(InvalidStatsQueryError);
    expect(bucketFor('time', hours(130 * 365))).toBe('month');
  });
});
