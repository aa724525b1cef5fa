import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { enrichedEventSchema } from './enriched.ts';
import { enrichedFromHistory, historyEventSchema, revenueIssue } from './history.ts';
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

describe('ids of imported lines without event_id', () => {
  const id = (fields: Record<string, unknown>) =>
    enrichedFromHistory('e.com', historyEventSchema.parse(line(fields)), 0).eventId;

  it('differ for lines that differ in any field, and stay the same for the same line', () => {
    const base = id({});
    expect(id({})).toBe(base);
    const variants = [
      { query: '?q=1' },
      { referrer: 'https://a.example/' },
      { utm_source: 'news' },
      { utm_campaign: 'spring' },
      { title: 'Home' },
      { engaged_ms: 1200 },
      { screen_width: 1280 },
      { country: 'DE' },
      { scroll_depth: 40 },
    ];
    const ids = variants.map(id);
    expect(new Set([base, ...ids]).size).toBe(variants.length + 1);
  });

  it('stay what earlier versions derived for a line that sets none of the added fields', () => {
    // The derivation before the added fields, recomputed here: SHA-256 over site, time, visitor, type, name, host,
    // path and props, as a version-8 UUID. A file imported then still imports as a duplicate of itself.
    const fields = { timestamp: 1_780_000_000_000, visitor_id: '42', pathname: '/a', hostname: 'e.com' };
    const parts = ['e.com', '1780000000000', '42', 'pageview', 'pageview', 'e.com', '/a', '[]'];
    const bytes = createHash('sha256').update(parts.join('\u0000')).digest().subarray(0, 16);
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    const hex = bytes.toString('hex');
    const earlier = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    expect(enrichedFromHistory('e.com', historyEventSchema.parse(fields), 0).eventId).toBe(earlier);
    expect(id({ query: '' })).toBe(id({}));
  });
});

describe('revenue in the contract', () => {
  it('takes an amount and a currency on the wire, and refuses the rest by field', () => {
    const custom = { type: 'custom', name: 'Purchase', url: 'https://e.com/' };
    expect(wireEventSchema.safeParse({ ...custom, revenue: { amount: '19.99', currency: 'EUR' } }).success).toBe(true);
    for (const [revenue, field] of [
      [{ amount: '19.9999', currency: 'EUR' }, 'revenue.amount'],
      [{ amount: '1e3', currency: 'EUR' }, 'revenue.amount'],
      [{ amount: '1', currency: 'eur' }, 'revenue.currency'],
      [{ amount: '1' }, 'revenue.currency'],
    ] as const) {
      const parsed = wireEventSchema.safeParse({ ...custom, revenue });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.path.join('.')).toBe(field);
    }
  });

  it('imports revenue from history lines, amounts as text or numbers, and names half a revenue', () => {
    const line = (fields: object) =>
      historyEventSchema.parse({
        timestamp: 1_780_000_000_000,
        visitor_id: '1',
        type: 'custom',
        name: 'Pay',
        ...fields,
      });
    expect(enrichedFromHistory('e.com', line({ revenue_amount: '5.5', revenue_currency: 'USD' }), 0)).toMatchObject({
      revenueAmount: '5.5',
      revenueCurrency: 'USD',
    });
    expect(enrichedFromHistory('e.com', line({ revenue_amount: 12.3456, revenue_currency: 'USD' }), 0)).toMatchObject({
      revenueAmount: '12.346',
    });
    expect(enrichedFromHistory('e.com', line({}), 0)).toMatchObject({ revenueAmount: '', revenueCurrency: '' });
    expect(revenueIssue(line({ revenue_amount: '5' }))).toEqual({
      field: 'revenue_currency',
      message: 'required with revenue_amount',
    });
    expect(revenueIssue(line({ revenue_currency: 'USD' }))?.field).toBe('revenue_amount');
    expect(historyEventSchema.safeParse({ timestamp: 0, visitor_id: '1', revenue_amount: 1e16 }).success).toBe(false);
    // Revenue makes two otherwise equal lines two events.
    const a = enrichedFromHistory('e.com', line({ revenue_amount: '1', revenue_currency: 'USD' }), 0);
    const b = enrichedFromHistory('e.com', line({ revenue_amount: '2', revenue_currency: 'USD' }), 0);
    expect(a.eventId).not.toBe(b.eventId);
  });
});
