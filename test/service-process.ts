import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { waitFor } from './helpers.ts';

export const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');

export interface ServiceSpec {
  name: string;
  /** Arguments to node, from the repository root. */
  args: string[];
  env: Record<string, string>;
  /** Answers 200 once the service is ready. */
  readyUrl: string;
  /** Where stdout and stderr go, appended across restarts. */
  logDir: string;
}

/**
 * One of the pipeline's processes, run as it runs in production (its own node process), so a test can `kill -9`
 * it, start it again on the same ports and data, and read its log afterwards.
 */
export class ServiceProcess {
  #child: ChildProcess | undefined;
  readonly logFile: string;

  constructor(readonly spec: ServiceSpec) {
    this.logFile = join(spec.logDir, `${spec.name}.log`);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const out = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, this.spec.args, {
      cwd: repoRoot,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', out, out],
    });
    this.#child = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.spec.name} exited with ${child.exitCode}: ${this.tail()}`);
        const response = await fetch(this.spec.readyUrl).catch(() => undefined);
        return response?.ok ? true : undefined;
      },
      timeoutMs,
      `${this.spec.name} to be ready`,
    );
  }

  /** `kill -9`: no clean shutdown; resolves once the process is gone. */
  kill(): Promise<void> {
    return this.#end('SIGKILL');
  }

  stop(): Promise<void> {
    return this.#end('SIGTERM');
  }

  /**
   * SIGSTOP, then SIGCONT after `ms`: the process stands still (a VM or container freeze, a stop-the-world pause, a
   * throttled CPU) and then goes on where it was, unaware of the time that passed.
   */
  async freeze(ms: number): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    child.kill('SIGSTOP');
    await sleep(ms);
    child.kill('SIGCONT');
  }

  tail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  async #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill(signal);
    await exited;
  }
}
