import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { EventStream } from './event-stream.ts';
import { describeVerdict, type Verdict, verify } from './oracle.ts';
import { FaultRig, type RigOptions } from './rig.ts';

/** Events the collector must acknowledge in each scenario (FAULT_EVENTS overrides, for a quick local run). */
export const STREAM_EVENTS = Number(process.env.FAULT_EVENTS ?? 100_000);

/** The points of the stream where each fault is injected. */
export const FAULT_POINTS = [0.1, 0.5, 0.9] as const;

export interface Scenario {
  name: string;
  rig: RigOptions;
  /** Events per second the stream sends (default: as fast as the collector answers). */
  streamRate?: number;
  /** Events the collector must acknowledge (default STREAM_EVENTS). */
  events?: number;
  /** Injects the fault at its points while the stream runs; resolves when the last injection has recovered. */
  inject(rig: FaultRig, stream: EventStream): Promise<void>;
  /** Checks of the scenario's own, after the shared oracle. */
  after?(rig: FaultRig, verdict: Verdict): Promise<void>;
}

/** Streams events through the pipeline while the scenario injects its fault, then applies the oracle. */
export async function runScenario(scenario: Scenario): Promise<Verdict> {
  const rig = await FaultRig.start(scenario.name, scenario.rig);
  try {
    const stream = new EventStream({
      collectorUrl: rig.collectorUrl,
      site: rig.site,
      target: scenario.events ?? STREAM_EVENTS,
      ratePerSecond: scenario.streamRate ?? 0,
    });
    const started = Date.now();
    await Promise.all([stream.run(), scenario.inject(rig, stream)]);
    await rig.drained();
    const verdict = await verify(rig.warehouse.client, rig.site, rig.env.TOPIC_EVENTS, stream);
    console.log(`${describeVerdict(scenario.name, verdict)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    expect(verdict.acked).toBeGreaterThanOrEqual(scenario.events ?? STREAM_EVENTS);
    expect({
      lost: verdict.lost,
      duplicated: verdict.duplicated,
      unknown: verdict.unknown,
      rollupMismatches: verdict.rollupMismatches,
      sessionMismatches: verdict.sessionMismatches,
      progressMismatches: verdict.progressMismatches,
    }).toEqual({
      lost: 0,
      duplicated: 0,
      unknown: 0,
      rollupMismatches: 0,
      sessionMismatches: 0,
      progressMismatches: 0,
    });
    await scenario.after?.(rig, verdict);
    return verdict;
  } catch (error) {
    console.error(`[fault] ${scenario.name} failed; process logs:\n${rig.logs()}`);
    throw error;
  } finally {
    await rig.stop();
  }
}

/** Resolves once the collector has acknowledged this many events of the stream. */
export async function whenAcked(stream: EventStream, count: number): Promise<void> {
  while (stream.acked < count) await sleep(20);
}
