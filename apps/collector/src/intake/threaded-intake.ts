import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { startWorkerThread } from '../worker-entry.ts';
import type { Intake } from './intake.ts';
import { eventMessagesOf, type IntakeClock, type IntakeRequest, type PreparedRequest } from './prepare.ts';
import type { IntakeSettings } from './prepare-deps.ts';

/** What the HTTP thread posts to an intake thread: the requests of one event-loop turn, with one clock. */
export interface IntakeSubmission {
  clock: IntakeClock;
  requests: Array<{ id: number; request: IntakeRequest }>;
}

export type IntakeReply = { id: number; prepared: PreparedRequest } | { id: number; failure: string };

/** Preparing failed on an intake thread (a bug or a dead thread, not bad input): the request is answered 503. */
export class IntakeError extends Error {
  override readonly name = 'IntakeError';
}

/** Requests go round-robin to `count` intake threads; a thread that dies fails its requests and is replaced. */
export class ThreadedIntake implements Intake {
  #next = 0;

  private constructor(private readonly threads: IntakeThread[]) {}

  static async start(
    count: number,
    settings: IntakeSettings,
    clock: () => IntakeClock,
    logger: Logger,
    spawn: (settings: IntakeSettings) => Worker = startIntakeWorker,
  ): Promise<ThreadedIntake> {
    const threads = Array.from({ length: count }, () => new IntakeThread(settings, clock, logger, spawn));
    await Promise.all(threads.map((thread) => thread.ready));
    return new ThreadedIntake(threads);
  }

  prepare(request: IntakeRequest): Promise<PreparedRequest> {
    const thread = this.threads[this.#next++ % this.threads.length] as IntakeThread;
    return thread.submit(request);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.close()));
  }
}

interface Waiting {
  resolve: (prepared: PreparedRequest) => void;
  reject: (error: Error) => void;
}

class IntakeThread {
  ready: Promise<void>;
  /** Unset from a thread's exit until its replacement is up; requests meanwhile fail at once. */
  #worker: Worker | undefined;
  readonly #waiting = new Map<number, Waiting>();
  #outbox: IntakeSubmission['requests'] = [];
  #transfer: ArrayBuffer[] = [];
  #scheduled = false;
  #nextId = 0;
  #closing = false;

  constructor(
    private readonly settings: IntakeSettings,
    private readonly clock: () => IntakeClock,
    private readonly logger: Logger,
    private readonly spawn: (settings: IntakeSettings) => Worker,
  ) {
    this.ready = this.#start();
  }

  submit(request: IntakeRequest): Promise<PreparedRequest> {
    if (this.#closing) return Promise.reject(new IntakeError('the intake is closed'));
    if (!this.#worker) return Promise.reject(new IntakeError('the intake thread is restarting'));
    // A body of its own, moved rather than cloned: a request's Buffer is often a view into a larger pooled one,
    // and cloning a view copies all of that.
    const body = new Uint8Array(request.body.length);
    body.set(request.body);
    const id = this.#nextId++;
    this.#outbox.push({ id, request: { ...request, body } });
    this.#transfer.push(body.buffer);
    if (!this.#scheduled) {
      this.#scheduled = true;
      // One message per event-loop turn: a postMessage costs microseconds on both sides, a turn holds many requests.
      setImmediate(() => this.#flush());
    }
    return new Promise((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#flush();
    while (this.#waiting.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.#worker?.terminate();
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#outbox.length === 0 || !this.#worker) return;
    const submission: IntakeSubmission = { clock: this.clock(), requests: this.#outbox };
    this.#worker.postMessage(submission, this.#transfer);
    this.#outbox = [];
    this.#transfer = [];
  }

  #start(): Promise<void> {
    const worker = this.spawn(this.settings);
    this.#worker = worker;
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', (first) => (first === 'ready' ? resolve() : reject(new IntakeError('no ready signal'))));
      worker.once('error', reject);
    });
    ready.then(
      () => worker.on('message', (replies: IntakeReply[]) => this.#settle(replies)),
      () => {},
    );
    worker.on('error', (error) => this.logger.error({ err: error }, 'intake thread failed'));
    worker.once('exit', (code) => {
      this.#worker = undefined;
      const lost = new IntakeError(`intake thread exited (code ${code})`);
      for (const waiting of this.#waiting.values()) waiting.reject(lost);
      this.#waiting.clear();
      this.#outbox = [];
      this.#transfer = [];
      if (this.#closing) return;
      // A thread that cannot start would otherwise be restarted in a tight loop.
      this.logger.error({ code }, 'intake thread exited; starting another in 1 s');
      setTimeout(() => {
        if (!this.#closing) this.ready = this.#start();
      }, 1000);
    });
    return ready;
  }

  #settle(replies: IntakeReply[]): void {
    for (const reply of replies) {
      const waiting = this.#waiting.get(reply.id);
      if (!waiting) continue;
      this.#waiting.delete(reply.id);
      if ('prepared' in reply) waiting.resolve(asBuffers(reply.prepared));
      else waiting.reject(new IntakeError(reply.failure));
    }
  }
}

/** Bytes arrive as a Uint8Array; the producer takes a Buffer (a view, nothing copied). */
function asBuffers(prepared: PreparedRequest): PreparedRequest {
  for (const message of eventMessagesOf(prepared)) {
    const value: unknown = message.value;
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      message.value = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return prepared;
}

/**
 * An intake thread's caches and lookups take about 20 MB of old space. Its garbage dies within a turn, yet a young
 * generation of 8 MB instead of 16 saved 9-16 MB of RSS and cost 16% of the batch throughput (27,638 against
 * 32,903 events/s in one alternation, bench/README.md).
 */
const INTAKE_THREAD_HEAP = { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 16 };

/** The bundle (dist/main.mjs) starts dist/intake-worker.mjs beside it; from source, intake-worker.ts. */
export function startIntakeWorker(settings: IntakeSettings): Worker {
  return startWorkerThread(import.meta.url, 'intake-worker', {
    workerData: settings,
    resourceLimits: INTAKE_THREAD_HEAP,
  });
}
