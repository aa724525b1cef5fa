import { describe, expect, it } from 'vitest';
import { waitWithHeartbeats } from './wait-with-heartbeats.ts';

describe('waitWithHeartbeats', () => {
  it('heartbeats at least once per slice while it waits, and waits the whole time', async () => {
    const beats: number[] = [];
    const started = Date.now();
    await waitWithHeartbeats(250, async () => void beats.push(Date.now() - started), 50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(245);
    expect(beats.length).toBeGreaterThanOrEqual(5);
    // No gap between heartbeats (or before the first) much longer than a slice.
    const gaps = beats.map((at, i) => at - (beats[i - 1] ?? 0));
    expect(Math.max(...gaps)).toBeLessThan(50 + 40);
  });

  it('heartbeats once for a wait shorter than a slice', async () => {
    let beats = 0;
    await waitWithHeartbeats(10, async () => void beats++, 1_000);
    expect(beats).toBe(1);
  });
});
