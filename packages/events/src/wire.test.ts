import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits.ts';
import { wireBatchSchema, wireEventSchema } from './wire.ts';

describe('wire event schema', () => {
  it('accepts a page view with the fields the tracker sends', () => {
    const event = { type: 'pageview', url: 'https://example.com/a', ts: 1, sw: 1280, lang: 'en-GB', referrer: '' };
    expect(wireEventSchema.parse(event)).toEqual(event);
  });

  it('rejects unknown fields, wrong types and oversized props', () => {
    expect(wireEventSchema.safeParse({ type: 'pageview', url: 'x', extra: 1 }).success).toBe(false);
    expect(wireEventSchema.safeParse({ type: 'pageview', url: 42 }).success).toBe(false);
    expect(wireEventSchema.safeParse({ type: 'click', url: 'https://e.com' }).success).toBe(false);
    const props = Object.fromEntries(Array.from({ length: LIMITS.maxProps + 1 }, (_, i) => [`k${i}`, 'v']));
    expect(wireEventSchema.safeParse({ type: 'custom', name: 'x', url: 'https://e.com', props }).success).toBe(false);
    const longValue = { k: 'v'.repeat(LIMITS.maxPropValueLength + 1) };
    expect(
      wireEventSchema.safeParse({ type: 'custom', name: 'x', url: 'https://e.com', props: longValue }).success,
    ).toBe(false);
  });

  it('bounds the batch size', () => {
    const events = Array.from({ length: LIMITS.maxEventsPerBatch + 1 }, () => ({}));
    expect(wireBatchSchema.safeParse({ site: 'e.com', events }).success).toBe(false);
    expect(wireBatchSchema.safeParse({ site: 'e.com', events: [] }).success).toBe(false);
    expect(wireBatchSchema.safeParse({ site: 'e.com', events: [{}] }).success).toBe(true);
  });
});

describe('enriched event contract', () => {
  it('reads records of older and newer writers: later fields default, unknown fields are ignored', async () => {
    const { enrichedEventSchema } = await import('./enriched.ts');
    const older = {
      v: 1,
      eventId: '6f1c1d5e-4a0b-4c1e-9f0a-2b3c4d5e6f70',
      siteId: 'a.example',
      type: 'pageview',
      name: 'pageview',
      timestamp: 1,
      receivedAt: 1,
      visitorId: '42',
      hostname: 'a.example',
      pathname: '/',
      query: '',
      title: '',
      referrer: '',
      referrerHost: '',
      source: '',
      utmSource: '',
      utmMedium: '',
      utmCampaign: '',
      utmTerm: '',
      utmContent: '',
      country: '',
      browser: '',
      browserVersion: '',
      os: '',
      osVersion: '',
      device: '',
      screenWidth: 0,
      language: '',
      props: {},
      engagedMs: 0,
      scrollDepth: 0,
    };
    const parsed = enrichedEventSchema.parse({ ...older, someFutureField: 'x' });
    expect(parsed).toMatchObject({ previousVisitorId: '', region: '', city: '' });
    expect(parsed).not.toHaveProperty('someFutureField');
    expect(enrichedEventSchema.safeParse({ ...older, visitorId: 'not a number' }).success).toBe(false);
  });
});
