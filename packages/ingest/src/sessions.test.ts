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

  it('continues sessions restored after a reassignment', () => {
    const tracker = new SessionTracker(30);
    tracker.restore([
      {
        siteId: 'e.com',
        visitorId: '9',
        sessionId: '42',
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
});
