import { LIMITS } from '@tern/events';
import { describe, expect, it } from 'vitest';
import { HttpError } from './http-error.ts';
import { MAX_DOMAINS, translatePlausibleEvent } from './plausible-compat.ts';

describe("Plausible's Events API", () => {
  it('reads the short keys the official tracker sends', () => {
    const batches = translatePlausibleEvent({
      n: 'Signup',
      v: 36,
      u: 'https://shop.example/pricing#faq',
      d: 'shop.example',
      r: 'https://news.ycombinator.com/',
      p: { plan: 'pro', seats: 3, nested: { no: 1 }, nothing: null },
      $: { amount: '19.90', currency: 'EUR' },
    });
    expect(batches).toEqual([
      {
        site: 'shop.example',
        events: [
          {
            type: 'custom',
            name: 'Signup',
            url: 'https://shop.example/pricing',
            referrer: 'https://news.ycombinator.com/',
            props: { plan: 'pro', seats: 3 },
            revenue: { amount: '19.9', currency: 'EUR' },
          },
        ],
      },
    ]);
  });

  it('reads the documented long form, props as a JSON string, and several domains', () => {
    const batches = translatePlausibleEvent({
      name: 'pageview',
      url: 'https://a.example/#/route',
      domain: 'a.example, b.example',
      referrer: null,
      props: '{"author":"Ann"}',
      hashMode: 1,
    });
    expect(batches.map((b) => b.site)).toEqual(['a.example', 'b.example']);
    expect(batches[0]?.events[0]).toEqual({
      type: 'pageview',
      url: 'https://a.example/#/route',
      props: { author: 'Ann' },
    });
  });

  it('maps engagement events to visible time and scroll depth', () => {
    const [batch] = translatePlausibleEvent({
      n: 'engagement',
      u: 'https://a.example/',
      d: 'a.example',
      e: 4200.6,
      sd: 130,
    });
    expect(batch?.events[0]).toEqual({ type: 'engagement', url: 'https://a.example/', engagedMs: 4201, scroll: 100 });
  });

  it('names the missing or broken field', () => {
    const field = (body: unknown) => {
      try {
        translatePlausibleEvent(body);
      } catch (error) {
        return error instanceof HttpError ? error.field : 'not an HttpError';
      }
      return 'accepted';
    };
    expect(field({ u: 'https://a.example/', d: 'a.example' })).toBe('name');
    expect(field({ n: 'pageview', d: 'a.example' })).toBe('url');
    expect(field({ n: 'pageview', u: 'https://a.example/' })).toBe('domain');
    expect(field({ n: 'x', u: 'https://a.example/', d: 'a.example', p: '{not json' })).toBe('props');
    expect(field({ n: 5, u: 'https://a.example/', d: 'a.example' })).toBe('n');
    expect(field([1, 2])).toBe('body');
  });

  it('counts an event once per site however often the list names it, and refuses a list longer than MAX_DOMAINS', () => {
    const body = (domain: string) => ({ n: 'pageview', u: 'https://a.example/', d: domain });
    // One 64 KB request naming one site thousands of times used to store thousands of page views.
    const repeated = translatePlausibleEvent(body(Array.from({ length: 2974 }, () => 'a.example').join(',')));
    expect(repeated.map((b) => b.site)).toEqual(['a.example']);
    expect(translatePlausibleEvent(body('a.example, WWW.a.example,b.example')).map((b) => b.site)).toEqual([
      'a.example',
      'b.example',
    ]);
    const many = Array.from({ length: MAX_DOMAINS + 1 }, (_, i) => `s${i}.example`).join(',');
    expect(() => translatePlausibleEvent(body(many))).toThrow(/domain: at most 10 sites/);
  });

  it('cuts a long event name without splitting a character', () => {
    const name = `${'n'.repeat(LIMITS.maxEventNameLength - 1)}\u{1F600}`;
    const [batch] = translatePlausibleEvent({ n: name, u: 'https://a.example/', d: 'a.example' });
    const cut = batch?.events[0]?.name ?? '';
    expect(cut.isWellFormed()).toBe(true);
    expect(cut).toBe('n'.repeat(LIMITS.maxEventNameLength - 1));
  });

  it('keeps revenue as Plausible does: an amount and a currency code, as an object or its JSON; else the event alone', () => {
    const revenueOf = (revenue: unknown) =>
      translatePlausibleEvent({ n: 'Purchase', u: 'https://shop.example/', d: 'shop.example', revenue })[0]?.events[0];
    expect(revenueOf({ amount: 1234.5678, currency: 'USD' })).toMatchObject({
      revenue: { amount: '1234.568', currency: 'USD' },
    });
    expect(revenueOf('{"amount":"10","currency":"JPY"}')).toMatchObject({ revenue: { amount: '10', currency: 'JPY' } });
    for (const ignored of [
      { amount: '10', currency: 'usd' },
      { amount: 'ten', currency: 'USD' },
      { amount: '', currency: 'USD' },
      { amount: 1e16, currency: 'USD' },
      { currency: 'USD' },
      '{not json',
    ]) {
      const event = revenueOf(ignored);
      expect(event, JSON.stringify(ignored)).toMatchObject({ type: 'custom', name: 'Purchase' });
      expect(event).not.toHaveProperty('revenue');
    }
    // Page views carry no revenue.
    const pageview = translatePlausibleEvent({
      n: 'pageview',
      u: 'https://shop.example/',
      d: 'shop.example',
      $: { amount: 5, currency: 'EUR' },
    })[0]?.events[0];
    expect(pageview).not.toHaveProperty('revenue');
  });
});
