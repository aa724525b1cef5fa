import type { SaltRing } from '@tern/control';
import { MIDNIGHT_CROSSING_MS } from '@tern/events';
import type { Logger } from 'pino';
import {
  type IntakeClock,
  type IntakeRequest,
  type PrepareDeps,
  type PreparedRequest,
  prepareRequest,
} from './prepare.ts';
import { type IntakeSettings, loadPrepareDeps, loadSharedLookups } from './prepare-deps.ts';
import { ThreadedIntake } from './threaded-intake.ts';

/** Where event requests are prepared: on intake threads, or inline on the thread that serves HTTP. */
export interface Intake {
  prepare(request: IntakeRequest): Promise<PreparedRequest>;
  close(): Promise<void>;
}

/**
 * `threads` 0 prepares on the HTTP thread. With one or more, the HTTP thread only reads requests, writes the log
 * and answers, and the JSON, validation, enrichment and encoding run beside it (bench/README.md, collector).
 */
export function openIntake(
  threads: number,
  settings: IntakeSettings,
  salts: SaltRing,
  logger: Logger,
): Promise<Intake> {
  const clock = saltClock(salts);
  if (threads === 0) return Promise.resolve(new InlineIntake(loadPrepareDeps(settings), clock));
  // The threads share one copy of the GeoIP database and of the datacenter ranges.
  return ThreadedIntake.start(threads, { ...settings, lookups: loadSharedLookups(settings) }, clock, logger);
}

export class InlineIntake implements Intake {
  constructor(
    private readonly deps: PrepareDeps,
    private readonly clock: () => IntakeClock,
  ) {}

  prepare(request: IntakeRequest): Promise<PreparedRequest> {
    try {
      return Promise.resolve(prepareRequest(request, this.clock(), this.deps));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async close(): Promise<void> {}
}

/** The receive time and its day's salts, as the control topic has them now. */
export function saltClock(salts: Pick<SaltRing, 'saltFor'>): () => IntakeClock {
  return () => {
    const receivedAt = Date.now();
    const sinceMidnight = receivedAt % 86_400_000;
    return {
      receivedAt,
      salt: salts.saltFor(receivedAt),
      previousSalt: sinceMidnight < MIDNIGHT_CROSSING_MS ? salts.saltFor(receivedAt - 86_400_000) : undefined,
    };
  };
}
