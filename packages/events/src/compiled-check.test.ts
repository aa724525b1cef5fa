import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEnrichedEvent, parseWireEvent } from './compiled-check.ts';
import { type EnrichedEvent, enrichedEventSchema } from './enriched.ts';
import { LIMITS } from './limits.ts';
import { type WireEvent, wireEventSchema } from './wire.ts';

const validEnriched: EnrichedEvent = {
  v: 1,
  eventId: '0b9a4c1e-5f7d-4a2b-9c3d-1e2f3a4b5c6d',
  siteId: 'example.com',
  type: 'pageview',
  name: 'pageview',
  timestamp: 1_764_000_000_000,
  receivedAt: 1_764_000_000_100,
  visitorId: '12345678901234567890',
  previousVisitorId: '',
  hostname: 'example.com',
  pathname: '/pricing',
  query: '',
  title: 'Pricing',
  referrer: 'https://www.google.com/',
  referrerHost: 'www.google.com',
  source: 'Google',
  utmSource: '',
  utmMedium: '',
  utmCampaign: '',
  utmTerm: '',
  utmContent: '',
  country: 'DE',
  region: '',
  city: '',
  browser: 'Chrome',
  browserVersion: '131.0',
  os: 'Windows',
  osVersion: '10',
  device: 'desktop',
  screenWidth: 1440,
  language: 'de-DE',
  props: { plan: 'pro' },
  engagedMs: 0,
  scrollDepth: 0,
  revenueAmount: '',
  revenueCurrency: '',
};

const validWire: WireEvent = {
  type: 'custom',
  name: 'signup',
  url: 'https://example.com/pricing?utm_source=newsletter',
  referrer: 'https://www.google.com/',
  title: 'Pricing',
  ts: 1_764_000_000_000,
  sw: 1440,
  sh: 900,
  lang: 'en',
  props: { plan: 'pro', seats: 3, annual: true },
  engagedMs: 1200,
  scroll: 80,
};

/** Strings near the bounds, with surrogate pairs (two UTF-16 units, one code point) and pattern edge cases. */
const trickyString = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('', '1', '123456789012345678901', '١٢٣', '12\n', '0b9a4c1e-5f7d-4a2b-9c3d-1e2f3a4b5c6d\n'),
  fc.uuid(),
  fc
    .constantFrom(1, 2, 35, 64, 120, 128, 253, 256, 512, 2048)
    .chain((limit) =>
      fc.constantFrom(
        'a'.repeat(limit),
        'a'.repeat(limit + 1),
        '😀'.repeat(Math.ceil(limit / 2) + 1),
        'é'.repeat(limit),
      ),
    ),
);
const trickyNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -1,
    -0,
    0.5,
    100,
    101,
    100_000,
    100_001,
    86_400_000,
    86_400_001,
    2 ** 53,
    2 ** 53 - 1,
  ),
);
const trickyValue = fc.oneof(
  trickyString,
  trickyNumber,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(trickyString, trickyNumber, fc.boolean()), { maxKeys: 3 }),
  fc.integer({ min: 0, max: 40 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']))),
);

/** A valid value with a few fields replaced, removed or added. */
function mutated<T extends object>(valid: T) {
  const keys = Object.keys(valid);
  const change = fc.oneof(
    fc.tuple(fc.constantFrom(...keys), trickyValue).map(([key, value]) => ({ key, value, drop: false })),
    fc.constantFrom(...keys).map((key) => ({ key, value: undefined, drop: true })),
    fc.tuple(fc.string({ maxLength: 6 }), trickyValue).map(([key, value]) => ({ key, value, drop: false })),
  );
  return fc.array(change, { minLength: 0, maxLength: 3 }).map((changes) => {
    const value: Record<string, unknown> = structuredClone(valid) as Record<string, unknown>;
    for (const { key, value: replacement, drop } of changes) {
      if (drop) delete value[key];
      else value[key] = replacement;
    }
    return value;
  });
}

describe('compiled checks give zod’s answer', () => {
  const contracts = [
    { name: 'enriched', schema: enrichedEventSchema, parse: parseEnrichedEvent, valid: validEnriched },
    { name: 'wire', schema: wireEventSchema, parse: parseWireEvent, valid: validWire },
  ] as const;

  it.each(contracts)('pass a valid $name event as it is, without copying it', ({ parse, valid }) => {
    const result = parse(valid);
    expect(result.success).toBe(true);
    expect(result.data).toBe(valid);
  });

  it.each(contracts)(
    'agree with zod on $name events with fields changed, dropped or added',
    ({ schema, parse, valid }) => {
      fc.assert(
        fc.property(mutated(valid), (value) => {
          const zod = schema.safeParse(structuredClone(value));
          const compiled = parse(value);
          expect(compiled.success).toBe(zod.success);
          if (zod.success) expect(compiled.data).toEqual(zod.data);
          else expect(compiled.error?.issues).toEqual(zod.error.issues);
        }),
        { numRuns: 5000 },
      );
    },
  );

  it('keep the refinement that JSON Schema cannot say: at most maxProps props', () => {
    const props = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    const atLimit = { ...validWire, props: props(LIMITS.maxProps) };
    expect(parseWireEvent(atLimit).data).toBe(atLimit);
    expect(parseWireEvent({ ...validWire, props: props(LIMITS.maxProps + 1) }).success).toBe(false);
  });

  it('refuse what only a JavaScript caller can pass: NaN and Infinity', () => {
    expect(parseEnrichedEvent({ ...validEnriched, screenWidth: Number.NaN }).success).toBe(false);
    expect(parseEnrichedEvent({ ...validEnriched, engagedMs: Number.POSITIVE_INFINITY }).success).toBe(false);
    expect(parseWireEvent({ ...validWire, props: { n: Number.NaN } }).success).toBe(false);
  });

  it('leave a record with a "__proto__" key to zod, which drops that key', () => {
    const raw = JSON.parse(
      '{"type":"custom","name":"x","url":"https://a.example/","props":{"__proto__":"x","plan":"pro"}}',
    );
    const result = parseWireEvent(raw);
    expect(result.data).not.toBe(raw);
    expect(result.data).toEqual(wireEventSchema.parse(raw));
    expect(Object.keys(result.data?.props ?? {})).toEqual(['plan']);
  });

  it('measure strings in code points, as zod does', () => {
    // 36 UTF-16 units, 18 code points: within the language bound of 35.
    const emoji = { ...validEnriched, language: '😀'.repeat(18) };
    expect(parseEnrichedEvent(emoji).data).toEqual(emoji);
    // Within the bound in units too: the compiled check passes it as it is.
    const shorter = { ...validEnriched, language: '😀'.repeat(17) };
    expect(parseEnrichedEvent(shorter).data).toBe(shorter);
    expect(parseEnrichedEvent({ ...validEnriched, language: '😀'.repeat(36) }).success).toBe(false);
  });

  it('leave defaults to zod: an event written before region and city existed gets them empty', () => {
    const { region: _region, city: _city, ...older } = validEnriched;
    const result = parseEnrichedEvent(older);
    expect(result.success).toBe(true);
    expect(result.data).toMatchObject({ region: '', city: '' });
  });
});
