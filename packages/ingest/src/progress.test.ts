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

  it('keeps the clock of a stuck worker across rebalances that take its partitions and hand them back', () => {
    const progress = new ProgressTracker(5_000);
    progress.started('t', 0, 0);
    progress.started('t', 1, 500);
    // The group drops the member (its inserts hang) and gives it partitions again: nothing has finished meanwhile.
    progress.forget('t', 0);
    progress.forget('t', 1);
    progress.started('t', 1, 7_000);
    progress.started('t', 2, 7_000);
    expect(progress.health(8_000)).toMatchObject({ status: 'stalled' });
    expect(progress.health(8_000).stalled.map((p) => [p.partition, p.stalledMs])).toEqual([
      [1, 8_000],
      [2, 8_000],
    ]);
    // One batch finishing is progress: the worker's clock starts again for what it takes up next.
    progress.finished('t', 1, 0, 9_000);
    progress.forget('t', 2);
    progress.started('t', 2, 9_500);
    expect(progress.health(10_000).status).toBe('ok');
    expect(progress.health(15_000).stalled.map((p) => p.partition)).toEqual([2]);
    // A worker idle for long starts its clock with its next batch.
    progress.finished('t', 2, 0, 20_000);
    progress.started('t', 3, 90_000);
    expect(progress.health(91_000).status).toBe('ok');
  });

  it('forgets every partition moved elsewhere at an assignment, stalled yet or not', () => {
    const progress = new ProgressTracker(5_000);
    progress.started('t', 0, 0);
    progress.finished('t', 0, 40, 1_000);
    progress.started('t', 1, 0);
    progress.finished('t', 1, 0, 1_000);
    progress.started('u', 0, 0);
    progress.finished('u', 0, 7, 1_000);
    // Partition 0 of t, with messages waiting, goes to another worker before it has stalled here.
    progress.keepOnly('t', new Set([1]));
    expect(progress.health(60_000).stalled.map((p) => `${p.topic}:${p.partition}`)).toEqual(['u:0']);
  });
});
