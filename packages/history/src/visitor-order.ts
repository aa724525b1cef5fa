import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type EnrichedEvent, utcMonthOf } from '@tern/events';

/**
 * Orders an import's events by month, visitor, then time, whatever order the file has, so that ingest builds each
 * visitor's sessions from its events in time order and the sessions come out the same for any order of lines and
 * any batch boundaries. Month first: ingest cuts an insert where the month changes (one part per insert), and a file
 * in visitor order changed month at almost every visitor (a 52,000-line test import ran at a few hundred events a
 * second); a session that runs over a month's end is carried into the next month by ingest (`SessionTracker`).
 * An external merge sort: runs of `runSize` events are sorted in memory and, when there is more than one, spilled
 * to temporary files and merged, so a file of any size is ordered in bounded memory.
 */
export class VisitorOrder {
  #run: Sequenced[] = [];
  #spilled: string[] = [];
  #dir: string | undefined;
  #next = 0;

  constructor(private readonly runSize = 100_000) {}

  async add(event: EnrichedEvent): Promise<void> {
    this.#run.push({ event, seq: this.#next++ });
    if (this.#run.length >= this.runSize) await this.#spill();
  }

  /** Every event added, in order; then the temporary files are gone. */
  async *drain(): AsyncGenerator<EnrichedEvent> {
    try {
      if (this.#spilled.length === 0) {
        for (const item of this.#run.sort(compare)) yield item.event;
        this.#run = [];
        return;
      }
      await this.#spill();
      yield* merge(this.#spilled.map(readRun));
    } finally {
      await this.dispose();
    }
  }

  async dispose(): Promise<void> {
    this.#run = [];
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
    this.#spilled = [];
  }

  async #spill(): Promise<void> {
    if (this.#run.length === 0) return;
    this.#dir ??= await mkdtemp(join(tmpdir(), 'tern-import-'));
    const file = join(this.#dir, `run-${this.#spilled.length}.ndjson`);
    const text = this.#run
      .sort(compare)
      .map((item) => JSON.stringify(item))
      .join('\n');
    await writeFile(file, `${text}\n`);
    this.#spilled.push(file);
    this.#run = [];
  }
}

interface Sequenced {
  event: EnrichedEvent;
  /** The line's place in the file: equal times of one visitor keep the file's order. */
  seq: number;
}

function compare(a: Sequenced, b: Sequenced): number {
  const x = a.event;
  const y = b.event;
  if (x.siteId !== y.siteId) return x.siteId < y.siteId ? -1 : 1;
  const month = utcMonthOf(x.timestamp) - utcMonthOf(y.timestamp);
  if (month !== 0) return month;
  if (x.visitorId !== y.visitorId) return x.visitorId < y.visitorId ? -1 : 1;
  if (x.timestamp !== y.timestamp) return x.timestamp - y.timestamp;
  return a.seq - b.seq;
}

async function* readRun(file: string): AsyncGenerator<Sequenced> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) if (line) yield JSON.parse(line) as Sequenced;
}

/** A k-way merge of sorted runs through a binary heap of their heads. */
async function* merge(runs: AsyncGenerator<Sequenced>[]): AsyncGenerator<EnrichedEvent> {
  const heap: Array<{ head: Sequenced; run: AsyncGenerator<Sequenced> }> = [];
  const less = (i: number, j: number) =>
    compare((heap[i] as { head: Sequenced }).head, (heap[j] as { head: Sequenced }).head) < 0;
  const swap = (i: number, j: number) => {
    [heap[i], heap[j]] = [heap[j] as (typeof heap)[number], heap[i] as (typeof heap)[number]];
  };
  const up = (start: number) => {
    for (let i = start; i > 0 && less(i, (i - 1) >> 1); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
  };
  const down = (start: number) => {
    for (let i = start; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && less(left, least)) least = left;
      if (right < heap.length && less(right, least)) least = right;
      if (least === i) return;
      swap(i, least);
      i = least;
    }
  };
  for (const run of runs) {
    const first = await run.next();
    if (!first.done) {
      heap.push({ head: first.value, run });
      up(heap.length - 1);
    }
  }
  while (heap.length > 0) {
    const top = heap[0] as (typeof heap)[number];
    yield top.head.event;
    const next = await top.run.next();
    if (next.done) {
      const last = heap.pop() as (typeof heap)[number];
      if (heap.length > 0) {
        heap[0] = last;
        down(0);
      }
    } else {
      top.head = next.value;
      down(0);
    }
  }
}
