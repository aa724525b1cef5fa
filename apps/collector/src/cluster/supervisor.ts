import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { answerMetricsRelays } from './metrics-relay.ts';

/** A process that exits is replaced after this pause, so a crash loop does not spin a core. */
const RESTART_DELAY_MS = 1_000;
/** More unplanned exits than this many per process within a minute: the cluster gives up and exits 1. */
const CRASHES_PER_PROCESS_PER_MINUTE = 3;
/** Each process has its own 15 s deadline to flush; this one covers a process that hangs past it. */
const STOP_DEADLINE_MS = 20_000;

/**
 * The primary of a collector cluster (COLLECTOR_PROCESSES > 1). It serves no requests itself: it keeps `processes`
 * collectors on the shared port, replaces one that exits, and on SIGTERM or SIGINT stops them all. Each flushes
 * what it acknowledged before it exits, so the primary exits 0 only when every one of them did.
 */
export function superviseCollectors(processes: number, logger: Logger): void {
  answerMetricsRelays();
  const running = new Set<Worker>();
  const crashes: number[] = [];
  let stopping = false;
  let failedStop = false;

  const start = () => {
    const worker = cluster.fork();
    running.add(worker);
    let listened = false;
    worker.once('listening', () => {
      listened = true;
    });
    worker.once('exit', (code, signal) => {
      running.delete(worker);
      if (stopping) {
        // One still starting dies of the signal itself; it had acknowledged nothing, so nothing is lost.
        const clean = code === 0 || (!listened && signal === 'SIGTERM');
        failedStop ||= !clean;
        if (!clean) logger.error({ pid: worker.process.pid, code, signal }, 'collector process failed to stop');
        if (running.size === 0) process.exit(failedStop ? 1 : 0);
        return;
      }
      const now = Date.now();
      crashes.push(now);
      while ((crashes[0] ?? now) < now - 60_000) crashes.shift();
      if (crashes.length > CRASHES_PER_PROCESS_PER_MINUTE * processes) {
        logger.fatal(
          { pid: worker.process.pid, code, signal, crashes: crashes.length },
          'collector processes keep exiting',
        );
        stop(1);
        return;
      }
      logger.error({ pid: worker.process.pid, code, signal }, 'collector process exited; starting another');
      setTimeout(() => stopping || start(), RESTART_DELAY_MS).unref();
    });
  };

  const stop = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    failedStop = exitCode !== 0;
    if (running.size === 0) process.exit(exitCode);
    for (const worker of running) worker.process.kill('SIGTERM');
    setTimeout(() => {
      logger.error({ running: running.size }, 'collector processes did not stop in time');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(0));
  for (let i = 0; i < processes; i++) start();
  logger.info({ processes }, 'collector cluster started');
}
