import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createBatcher,
  createPost,
  createRetryingPost,
  DEFAULT_DOWNLOADS,
  isDownload,
  isLocal,
  isOutbound,
  pageUrl,
  replay,
  scrollDepth,
  type WireEvent,
} from './logic.ts';

const event = (n: number): WireEvent => ({ type: 'custom', name: `e${n}`, url: 'https://a.example/', sw: 1 });

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('URL handling', () => {
  it('drops the hash unless the site routes by hash', () => {
    expect(pageUrl('https://a.example/p?q=1#top', false)).toBe('https://a.example/p?q=1');
    expect(pageUrl('https://a.example/#/settings', true)).toBe('https://a.example/#/settings');
  });
  it('knows local pages', () => {
    expect(isLocal('localhost', 'http:')).toBe(true);
    expect(isLocal('127.0.0.1', 'http:')).toBe(true);
    expect(isLocal('[::1]', 'http:')).toBe(true);
    expect(isLocal('', 'file:')).toBe(true);
    expect(isLocal('localhost.example.com', 'https:')).toBe(false);
    expect(isLocal('shop.example', 'https:')).toBe(false);
  });
  it('recognises downloads and outbound links', () => {
    expect(isDownload(new URL('https://a.example/files/report.PDF?x=1'), DEFAULT_DOWNLOADS)).toBe(true);
    expect(isDownload(new URL('https://a.example/report.pdf.html'), DEFAULT_DOWNLOADS)).toBe(false);
    expect(isDownload(new URL('https://a.example/a.epub'), 'epub,mobi')).toBe(true);
    expect(isDownload(new URL('https://a.example/a.zip'), 'epub,mobi')).toBe(false);
    expect(isOutbound(new URL('https://b.example/x'), 'a.example')).toBe(true);
    expect(isOutbound(new URL('https://a.example/x'), 'a.example')).toBe(false);
    expect(isOutbound(new URL('mailto:someone@b.example'), 'a.example')).toBe(false);
  });
  it('computes scroll depth in percent, capped at 100', () => {
    expect(scrollDepth(0, 800, 3200)).toBe(25);
    expect(scrollDepth(2400, 800, 3200)).toBe(100);
    expect(scrollDepth(5000, 800, 3200)).toBe(100);
    expect(scrollDepth(0, 800, 0)).toBe(100);
  });
});

describe('batching', () => {
  it('sends events close together as one request, at most 50 per request', () => {
    vi.useFakeTimers();
    const sent: WireEvent[][] = [];
    const [push] = createBatcher((events) => sent.push(events), 300);
    for (let i = 0; i < 120; i++) push(event(i));
    expect(sent).toHaveLength(0);
    vi.advanceTimersByTime(300);
    expect(sent.map((batch) => batch.length)).toEqual([50, 50, 20]);
    expect(sent.flat().map((e) => e.name)).toEqual(Array.from({ length: 120 }, (_, i) => `e${i}`));
  });
  it('flushes at once on demand and starts a new window after', () => {
    vi.useFakeTimers();
    const sent: WireEvent[][] = [];
    const [push, flush] = createBatcher((events) => sent.push(events), 300);
    push(event(1));
    flush();
    expect(sent).toHaveLength(1);
    push(event(2));
    vi.advanceTimersByTime(300);
    expect(sent.map((b) => b.map((e) => e.name))).toEqual([['e1'], ['e2']]);
  });
  it('never throws, even when sending does', () => {
    const [push, flush] = createBatcher(() => {
      throw new Error('boom');
    }, 300);
    push(event(1));
    expect(() => flush()).not.toThrow();
  });
});

describe('transport', () => {
  it('uses sendBeacon with a JSON string body and falls back to fetch when refused', () => {
    const beacons: Array<[string, string]> = [];
    const fetchMock = vi.fn(async () => new Response(null, { status: 202 }));
    vi.stubGlobal('fetch', fetchMock);
    createPost('https://c.example/v1/events', 'a.example', {
      sendBeacon: (u, b) => {
        beacons.push([u, b]);
        return true;
      },
    })([event(1)]);
    expect(beacons).toHaveLength(1);
    expect(JSON.parse(beacons[0]?.[1] ?? '')).toEqual({ site: 'a.example', events: [event(1)] });
    expect(fetchMock).not.toHaveBeenCalled();
    createPost('https://c.example/v1/events', 'a.example', { sendBeacon: () => false })([event(2)]);
    expect(fetchMock).toHaveBeenCalledWith(
      'https://c.example/v1/events',
      expect.objectContaining({ method: 'POST', keepalive: true }),
    );
  });
  it('retries a failed fetch a bounded number of times with growing pauses', async () => {
    vi.useFakeTimers();
    const statuses = [503, 0, 429, 202];
    const fetchMock = vi.fn(async () => {
      const status = statuses.shift() ?? 500;
      if (status === 0) throw new TypeError('network down');
      return new Response(null, { status });
    });
    vi.stubGlobal('fetch', fetchMock);
    createRetryingPost('https://c.example/v1/events', 'a.example', {}, 3)([event(1)]);
    await vi.runAllTimersAsync();
    expect(fetchMock).toHaveBeenCalledTimes(4);

    fetchMock.mockClear();
    statuses.push(500, 500, 500, 500, 500, 500);
    createRetryingPost('https://c.example/v1/events', 'a.example', {}, 3)([event(2)]);
    await vi.runAllTimersAsync();
    expect(fetchMock).toHaveBeenCalledTimes(4);
  });
});

describe('queue stub', () => {
  it('replays calls queued before the script loaded, in order', () => {
    // What the snippet stub collects: the `arguments` objects of each early call.
    const queued: IArguments[] = [];
    const stub = function (..._args: unknown[]) {
      // biome-ignore lint/complexity/noArguments: the stub's contract is to queue the arguments object
      queued.push(arguments);
    };
    stub('signup', { props: { plan: 'pro' } });
    stub('pageview', { url: 'https://a.example/x' });
    const calls: unknown[][] = [];
    replay(queued, (...args) => calls.push(args));
    expect(calls).toEqual([
      ['signup', { props: { plan: 'pro' } }],
      ['pageview', { url: 'https://a.example/x' }],
    ]);
    expect(() => replay(undefined, () => {})).not.toThrow();
  });
});
