import { describe, expect, it } from 'vitest';
import { enrichedEvent } from '../../../test/fixtures.ts';
import type { EnrichedEvent } from './enriched.ts';
import { decodeEventMessage, encodeEventMessage, joinEventMessages, utcMonthOf } from './event-message.ts';

// A title and a prop with newlines: a line break inside a value must not split a message's lines.
const event = (pathname: string): EnrichedEvent =>
  enrichedEvent({
    eventId: '0b6f7c52-4a0e-4d1e-9a53-9f0c1d7f2a11',
    pathname,
    title: 'A "quoted"\ntitle',
    props: { note: 'line one\nline two' },
  });

describe('event messages', () => {
  it('carry several events in order, newlines inside values included', () => {
    const events = [event('/a'), event('/b'), event('/c')];
    const decoded = decodeEventMessage(encodeEventMessage(events));
    expect(decoded).toEqual(events.map((value) => ({ ok: true, value })));
  });

  it('merge into one message whose lines keep their order', () => {
    const merged = joinEventMessages([
      encodeEventMessage([event('/a'), event('/b')]),
      encodeEventMessage([event('/c')]),
    ]);
    expect(decodeEventMessage(merged).map((line) => line.ok && line.value.pathname)).toEqual(['/a', '/b', '/c']);
  });

  it('read a single JSON event as a message of one', () => {
    expect(decodeEventMessage(JSON.stringify(event('/a')))).toEqual([{ ok: true, value: event('/a') }]);
  });

  it('refuse a bad line on its own, with its reason and text', () => {
    const message = [JSON.stringify(event('/a')), '{"v":1', JSON.stringify({ ...event('/c'), visitorId: 'x' })].join(
      '\n',
    );
    const [first, second, third] = decodeEventMessage(message);
    expect(first).toEqual({ ok: true, value: event('/a') });
    expect(second).toEqual({ ok: false, reason: 'not JSON', text: '{"v":1' });
    expect(third?.ok).toBe(false);
    expect(third?.ok === false && third.reason).toMatch(/^visitorId: /);
  });

  it('name the UTC month an event belongs to, as the events table partitions it', () => {
    expect(utcMonthOf(Date.parse('2026-01-31T23:59:59.999Z'))).toBe(202601);
    expect(utcMonthOf(Date.parse('2026-02-01T00:00:00.000Z'))).toBe(202602);
    expect(utcMonthOf(Date.parse('2025-12-31T23:00:00-02:00'))).toBe(202601);
  });
});
