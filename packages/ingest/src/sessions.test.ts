import type { EnrichedEvent } from '@tern/events';
import { describe, expect, it } from 'vitest';
import { enrichedEvent } from '../../../test/fixtures.ts';
import { SessionTracker } from './sessions.ts';

const event = (overrides: Partial<EnrichedEvent>) => enrichedEvent({ siteId: 'e.com', ...overrides });

describe('sessions', () => {
  const minute = 60_000;
  it('continues within 30 whole minutes and starts anew after', () => {
    const tracker = new SessionTracker(30);
    const first = tracker.assign(event({ timestamp: 0, source: 'Google' }));
    const second = tracker.assign(event({ timestamp: 30 * minute + 59_000, source: 'Twitter' }));
    expect(second.sessionId).toBe(first.sessionId);
    // Visit attributes stay those of the first event.
    expect(second.source).toBe('Google');
    const third = tracker.assign(event({ timestamp: 30 * minute + 59_000 + 31 * minute, source: 'Bing' }));
    expect(third.sessionId).not.toBe(first.sessionId);
    expect(third.source).toBe('Bing');
  });

  it("continues a session across midnight through the previous day's visitor id", () => {
    const tracker = new SessionTracker(30);
    const before = tracker.assign(event({ visitorId: '100', timestamp: 0, source: 'Google' }));
    const after = tracker.assign(event({ visitorId: '200', previousVisitorId: '100', timestamp: 10 * minute }));
    expect(after.sessionId).toBe(before.sessionId);
    expect(after.source).toBe('Google');
    // From then on the new id carries the session, even without the previous id.
    expect(tracker.assign(event({ visitorId: '200', timestamp: 20 * minute })).sessionId).toBe(before.sessionId);
    // A stranger's previous id finds nothing and starts a session of its own.
    expect(
      tracker.assign(event({ visitorId: '300', previousVisitorId: '999', timestamp: 20 * minute })).sessionId,
    ).not.toBe(before.sessionId);
  });

  it('keeps visitors and sites apart', () => {
    const tracker = new SessionTracker(30);
    const a = tracker.assign(event({ visitorId: '1' }));
    const b = tracker.assign(event({ visitorId: '2' }));
    const c = tracker.assign(event({ visitorId: '1', siteId: 'f.com' }));
    expect(new Set([a.sessionId, b.sessionId, c.sessionId]).size).toBe(3);
  });

  it('derives session ids from the first event, so a replay gives the same ids', () => {
    const replayed = event({});
    expect(new SessionTracker(30).assign(replayed).sessionId).toBe(new SessionTracker(30).assign(replayed).sessionId);
  });

  it('orders session ids by start time, so that a date range of sessions is one stretch of the table', () => {
    const tracker = new SessionTracker(30);
    const ids = [0, 1, 2].map((day) =>
      BigInt(
        tracker.assign(event({ visitorId: String(day + 1), timestamp: 1_780_000_000_000 + day * 86_400_000 }))
          .sessionId,
      ),
    );
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    expect(Number((ids[0] as bigint) >> 32n)).toBe(1_780_000_000);
  });

  it('continues sessions restored after a reassignment', () => {
    const tracker = new SessionTracker(30);
    tracker.restore([
      {
        siteId: 'e.com',
        visitorId: '9',
        sessionId: '42',
        entryHostname: 'e.com',
        screenWidth: 0,
        lastTimestamp: 0,
        referrer: '',
        referrerHost: '',
        source: 'Restored',
        utmSource: '',
        utmMedium: '',
        utmCampaign: '',
        utmTerm: '',
        utmContent: '',
      },
    ]);
    expect(tracker.assign(event({ visitorId: '9', timestamp: 10 * minute }))).toMatchObject({
      sessionId: '42',
      source: 'Restored',
    });
  });

  it('keeps the most recently continued sessions when told to keep at most some', () => {
    const tracker = new SessionTracker(30);
    const a = tracker.assign(event({ visitorId: '1', timestamp: 0 }));
    tracker.assign(event({ visitorId: '2', timestamp: 0 }));
    tracker.assign(event({ visitorId: '3', timestamp: 0 }));
    // Visitor 1 continues, so visitor 2 is now the least recent.
    tracker.assign(event({ visitorId: '1', timestamp: minute }));
    tracker.keepAtMost(2);
    expect(tracker.size).toBe(2);
    expect(tracker.assign(event({ visitorId: '1', timestamp: 2 * minute })).sessionId).toBe(a.sessionId);
    expect(tracker.size).toBe(2);
    tracker.assign(event({ visitorId: '2', timestamp: 2 * minute }));
    expect(tracker.size).toBe(3);
  });

  it('keeps the sessions carried over from the end of the previous month', () => {
    const tracker = new SessionTracker(30);
    const late = tracker.assign(event({ visitorId: '1', timestamp: 59 * minute }));
    for (let v = 2; v <= 10; v++) tracker.assign(event({ visitorId: String(v), timestamp: 61 * minute }));
    tracker.keepAtMost(3, { from: 29 * minute, to: 60 * minute });
    expect(tracker.size).toBe(3);
    expect(tracker.assign(event({ visitorId: '1', timestamp: 70 * minute })).sessionId).toBe(late.sessionId);
  });
});
