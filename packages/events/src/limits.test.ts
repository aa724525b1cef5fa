import { describe, expect, it } from 'vitest';
import { enrichedEventSchema } from './enriched.ts';
import { enrichedFromHistory, historyEventSchema } from './history.ts';
import { LIMITS } from './limits.ts';
import { wireEventSchema } from './wire.ts';

/** Every number and time the contract takes fits its warehouse column: the edge refuses the rest, naming the field. */
const refusedField = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.success ? undefined : result.error?.issues[0]?.path.join('.');

const line = (fields: Record<string, unknown>) => ({
  timestamp: 1_780_000_000_000,
  visitor_id: 'v',
  pathname: '/',
  ...fields,
});

describe('limits of the event contract', () => {
  it('takes screen widths up to what UInt16 holds (70000 used to be stored as 4464)', () => {
    const event = (sw: number) => ({ type: 'pageview', url: 'https://e.com/', sw });
    expect(wireEventSchema.safeParse(event(LIMITS.maxScreenPixels)).success).toBe(true);
    expect(refusedField(wireEventSchema.safeParse(event(70_000)))).toBe('sw');
    expect(refusedField(historyEventSchema.safeParse(line({ screen_width: 70_000 })))).toBe('screen_width');
  });

  it('bounds engaged time on every path (2^40 ms used to wrap)', () => {
    expect(refusedField(historyEventSchema.safeParse(line({ engaged_ms: 2 ** 40 })))).toBe('engaged_ms');
    const wire = { type: 'engagement', url: 'https://e.com/', engagedMs: 2 ** 40 };
    expect(refusedField(wireEventSchema.safeParse(wire))).toBe('engagedMs');
  });

  it('takes event times from 1970 to the end of 2099 only', () => {
    for (const timestamp of [
      9_007_199_254_740_991,
      Date.UTC(2150, 0, 1),
      '2149-06-07T00:00:00Z',
      '0000-01-01T00:00:00Z',
    ]) {
      expect(refusedField(historyEventSchema.safeParse(line({ timestamp })))).toBe('timestamp');
    }
    for (const timestamp of [0, LIMITS.maxTimestampMs, '2099-12-31T23:59:59.999Z', '1970-01-01T00:00:00+00:00']) {
      expect(historyEventSchema.safeParse(line({ timestamp })).success).toBe(true);
    }
  });

  it('holds imported props to the live limits: count, empty keys, key and value lengths', () => {
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, 'v']));
    expect(refusedField(historyEventSchema.safeParse(line({ props: many })))).toBe('props');
    expect(refusedField(historyEventSchema.safeParse(line({ props: { '': 'v' } })))).toBe('props.');
    expect(
      historyEventSchema.safeParse(line({ props: { ['k'.repeat(LIMITS.maxPropKeyLength + 1)]: 'v' } })).success,
    ).toBe(false);
    const live = historyEventSchema.parse(line({ props: { plan: 'pro', seats: 3, trial: true } }));
    expect(enrichedFromHistory('e.com', live, 0).props).toEqual({ plan: 'pro', seats: '3', trial: 'true' });
  });

  it('refuses an enriched event (an older collector, a bug) whose numbers would not fit', () => {
    const base = enrichedFromHistory('e.com', historyEventSchema.parse(line({})), 1_780_000_000_000);
    expect(enrichedEventSchema.safeParse(base).success).toBe(true);
    expect(refusedField(enrichedEventSchema.safeParse({ ...base, screenWidth: 70_000 }))).toBe('screenWidth');
    expect(refusedField(enrichedEventSchema.safeParse({ ...base, engagedMs: 2 ** 40 }))).toBe('engagedMs');
    expect(refusedField(enrichedEventSchema.safeParse({ ...base, timestamp: 2 ** 53 - 1 }))).toBe('timestamp');
  });
});
