import { describe, expect, it } from 'vitest';
import { ProgressTracker } from './progress.ts';

describe('partition progress', () => {
  it('is ok while batches finish, however long the lag takes to drain', () => {
    const progress = new ProgressTracker(60_000);
    progress.started('events', 0, 0);
    progress.finished('events', 0, 500, 1_000);
    progress.started('events', 0, 50_000);
    progress.finished('events', 0, 10, 55_000);
    expect(progress.health(100_000)).toEqual({ status: 'ok', stalled: [], lag: 10 });
  });

  it('reports a partition whose batch has been retried past the bound, and clears when it finishes', () => {
    const progress = new ProgressTracker(60_000);
    progress.started('events', 1, 0);
    progress.started('events', 2, 0);
    progress.finished('events', 2, 0, 10);
    for (let t = 0; t <= 90_000; t += 10_000) progress.started('events', 1, t);
    expect(progress.health(90_000)).toEqual({
      status: 'stalled',
      stalled: [{ topic: 'events', partition: 1, lag: 0, stalledMs: 90_000 }],
      lag: 0,
    });
    progress.finished('events', 1, 0, 91_000);
    expect(progress.health(91_000).status).toBe('ok');
  });

  it('reports waiting messages that no batch takes, and forgets partitions moved elsewhere', () => {
    const progress = new ProgressTracker(60_000);
    progress.finished('import', 0, 40, 0);
    expect(progress.health(30_000).status).toBe('ok');
    expect(progress.health(61_000).stalled[0]).toMatchObject({ topic: 'import', partition: 0, lag: 40 });
    progress.forget('import', 0);
    expect(progress.health(61_000)).toEqual({ status: 'ok', stalled: [], lag: 0 });
  });
});
