import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonTooDeepError, MAX_JSON_DEPTH, parseJsonText, truncate, wellFormed } from './text.ts';

/** What UTF-8 storage takes: every string of the value survives an encode and decode unchanged. */
const survivesUtf8 = (value: unknown): boolean =>
  JSON.stringify(value) ===
  JSON.stringify(JSON.parse(new TextDecoder().decode(new TextEncoder().encode(JSON.stringify(value)))));

describe('text the warehouse can store', () => {
  it('repairs lone surrogates in values and keys, at any depth, and keeps pairs', () => {
    const parsed = parseJsonText('{"name":"x\\ud800","props":{"k\\udfff":"\\ud83d\\ude00 ok"},"list":["\\udbff"]}');
    expect(parsed).toEqual({ name: 'x\ufffd', props: { 'k\ufffd': '\u{1F600} ok' }, list: ['\ufffd'] });
    expect(survivesUtf8(parsed)).toBe(true);
  });

  it('leaves an own "__proto__" key a key', () => {
    const parsed = parseJsonText('{"__proto__":{"a":"\\ud800"}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__']);
  });

  it('refuses JSON nested deeper than the bound, however deep, without overflowing the stack', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect(() => parseJsonText(deep(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => parseJsonText(deep(MAX_JSON_DEPTH + 1))).toThrow(JsonTooDeepError);
    expect(() => parseJsonText(deep(100_000))).toThrow(JsonTooDeepError);
  });

  it('makes any string well-formed (generated)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (key, value) => {
        const text = JSON.stringify({ [key]: [value] });
        expect(survivesUtf8(parseJsonText(text))).toBe(true);
        expect(wellFormed(value).length).toBe(value.length);
      }),
    );
  });

  it('truncates without splitting a surrogate pair (generated)', () => {
    expect(truncate('ab\u{1F600}', 3)).toBe('ab');
    expect(truncate('ab\u{1F600}', 4)).toBe('ab\u{1F600}');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.nat(200), (text, max) => {
        const cut = truncate(text, max);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(cut.isWellFormed()).toBe(true);
        expect(text.startsWith(cut)).toBe(true);
        expect(cut.length).toBeGreaterThanOrEqual(Math.min(text.length, max) - 1);
      }),
    );
  });
});
