import { describe, expect, it } from 'vitest';
import { type LiveEvent, LiveSubscription } from './live-feed.ts';

const event = (n: number): LiveEvent => ({
  type: 'pageview',
  name: 'pageview',
  timestamp: n,
  hostname: 'a.example',
  pathname: `/${n}`,
  source: '',
  referrerHost: '',
  country: '',
  region: '',
  city: '',
  browser: '',
  os: '',
  device: '',
  props: {},
});

describe('live subscription', () => {
  it('keeps at most its capacity, dropping the oldest and counting them once', async () => {
    const subscription = new LiveSubscription('a.example', 3, () => {});
    for (let n = 1; n <= 5; n++) subscription.push(event(n));
    expect(subscription.queued).toBe(3);
    const first = await subscription.take(10);
    expect(first.events.map((e) => e.timestamp)).toEqual([3, 4, 5]);
    expect(first.dropped).toBe(2);
    subscription.push(event(6));
    expect(await subscription.take(10)).toEqual({ events: [event(6)], dropped: 0 });
  });

  it('wakes a waiting reader as soon as an event arrives, and times out empty otherwise', async () => {
    const subscription = new LiveSubscription('a.example', 10, () => {});
    const started = Date.now();
    const waiting = subscription.take(5_000);
    setTimeout(() => subscription.push(event(1)), 20);
    expect((await waiting).events).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await subscription.take(20)).events).toEqual([]);
  });

  it('tells its feed when it closes, and ignores later events', async () => {
    let closed = 0;
    const subscription = new LiveSubscription('a.example', 10, () => closed++);
    subscription.close();
    subscription.close();
    subscription.push(event(1));
    expect(closed).toBe(1);
    expect((await subscription.take(10)).events).toEqual([]);
  });
});
