/** One partition's progress as health reports it. */
export interface PartitionProgress {
  topic: string;
  partition: number;
  /** Messages after the last one handled, as of the last batch. */
  lag: number;
  /** How long the partition has had work it could not finish (a batch retried, or lag that does not shrink). */
  stalledMs: number;
}

export interface IngestHealth {
  status: 'ok' | 'stalled';
  /** Partitions stalled longer than the bound, worst first. */
  stalled: PartitionProgress[];
  /** Messages waiting across the partitions this worker owns. */
  lag: number;
}

interface State {
  topic: string;
  partition: number;
  lag: number;
  /** Since when a batch of this partition has been in hand without finishing; undefined when none is. */
  busySince: number | undefined;
  /** When the partition last finished a batch, or had nothing to do. */
  movedAt: number;
}

/**
 * Whether each partition moves. A partition whose batch has been retried for longer than `stallAfterMs` (the
 * warehouse refusing or unreachable), or that has messages waiting and has not finished a batch for that long, is
 * stalled: health says so, so that an orchestrator or an operator sees it instead of a green light. Pure: the
 * worker reports what happens and asks with the time.
 */
export class ProgressTracker {
  readonly #partitions = new Map<string, State>();
  /**
   * Since when this worker has had a batch in hand with none finishing, across rebalances: a partition handed back
   * (or another one) takes up that clock, so a warehouse that hangs every insert is reported even while the group
   * drops and takes back the stuck members every session timeout. It used to restart with each assignment, and a
   * frozen warehouse showed ready for as long as the rebalances went on (the frozen-warehouse fault scenario).
   */
  #stuckSince: number | undefined;

  constructor(readonly stallAfterMs: number) {}

  #state(topic: string, partition: number, now: number): State {
    const key = `${topic}:${partition}`;
    let state = this.#partitions.get(key);
    if (!state) {
      state = { topic, partition, lag: 0, busySince: undefined, movedAt: now };
      this.#partitions.set(key, state);
    }
    return state;
  }

  /** A batch of the partition is in hand (called again on every retry; the first time counts). */
  started(topic: string, partition: number, now: number): void {
    const state = this.#state(topic, partition, now);
    this.#stuckSince ??= now;
    state.busySince ??= this.#stuckSince;
  }

  /** The batch is done: `lag` messages remain after it. */
  finished(topic: string, partition: number, lag: number, now: number): void {
    const state = this.#state(topic, partition, now);
    state.busySince = undefined;
    state.lag = lag;
    state.movedAt = now;
    const busy = [...this.#partitions.values()].some((other) => other.busySince !== undefined);
    this.#stuckSince = busy ? now : undefined;
  }

  /** The partition went to another worker (or this one stopped owning it). */
  forget(topic: string, partition: number): void {
    this.#partitions.delete(`${topic}:${partition}`);
  }

  /**
   * After an assignment: the topic's partitions this worker no longer owns are not its to report. Forgetting only
   * those stalled at that moment left a revoked partition with waiting messages behind, which aged into a stall no
   * batch here would ever clear.
   */
  keepOnly(topic: string, owned: ReadonlySet<number>): void {
    for (const state of [...this.#partitions.values()]) {
      if (state.topic === topic && !owned.has(state.partition)) this.forget(topic, state.partition);
    }
  }

  health(now: number): IngestHealth {
    const all = [...this.#partitions.values()].map((state) => ({
      topic: state.topic,
      partition: state.partition,
      lag: state.lag,
      stalledMs: state.busySince !== undefined ? now - state.busySince : state.lag > 0 ? now - state.movedAt : 0,
    }));
    const stalled = all.filter((p) => p.stalledMs > this.stallAfterMs).sort((a, b) => b.stalledMs - a.stalledMs);
    return {
      status: stalled.length > 0 ? 'stalled' : 'ok',
      stalled,
      lag: all.reduce((sum, p) => sum + p.lag, 0),
    };
  }
}
