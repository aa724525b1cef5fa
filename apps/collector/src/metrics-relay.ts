import type { Registry } from 'prom-client';
import { withDeadline } from './deadline.ts';
import { type MetricsJson, sumOfCollectors } from './metrics.ts';

/**
 * `GET /metrics` reaches one collector of several (the processes of a cluster, `src/cluster/`, or the threads of a
 * process, `src/threads/`), but a scrape must see them all. The collector that was asked relays the scrape to the
 * one that gathers (the cluster's primary, or the main thread), which asks every serving collector for its metrics
 * and sums them (`sumOfCollectors`). The same messages travel over either channel: IPC or a worker's MessagePort.
 */
export type RelayMessage =
  | { type: 'tern:metrics-request'; id: number }
  | { type: 'tern:metrics-response'; id: number; text?: string; error?: string }
  | { type: 'tern:metrics-gather'; id: number }
  | { type: 'tern:metrics-part'; id: number; metrics: MetricsJson };

const TIMEOUT_MS = 5_000;

export class MetricsRelayError extends Error {
  override readonly name = 'MetricsRelayError';
}

const timedOut = (what: string) => new MetricsRelayError(`no ${what} within ${TIMEOUT_MS} ms`);

export const isRelayMessage = (message: unknown): message is RelayMessage =>
  typeof message === 'object' &&
  message !== null &&
  String((message as { type?: unknown }).type).startsWith('tern:metrics-');

/** How a collector talks to the one that gathers. */
export interface RelayChannel {
  send(message: RelayMessage): void;
  listen(listener: (message: unknown) => void): void;
}

/**
 * In a collector that is one of several: its scrapes are answered by `gatherer` (named in errors) over `channel`,
 * and its own metrics go there when asked.
 */
export function relayedMetrics(registry: Registry, channel: RelayChannel, gatherer: string): () => Promise<string> {
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  channel.listen((message) => {
    if (!isRelayMessage(message)) return;
    if (message.type === 'tern:metrics-gather') {
      registry
        .getMetricsAsJSON()
        .then((metrics) => channel.send({ type: 'tern:metrics-part', id: message.id, metrics }));
    } else if (message.type === 'tern:metrics-response') {
      const pending = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.text !== undefined) pending?.resolve(message.text);
      else pending?.reject(new MetricsRelayError(`${gatherer} could not gather metrics: ${message.error}`));
    }
  });
  return () => {
    const id = nextId++;
    const answer = new Promise<string>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      channel.send({ type: 'tern:metrics-request', id });
    });
    return withDeadline(answer, TIMEOUT_MS, () => timedOut(`metrics from ${gatherer}`)).finally(() =>
      waiting.delete(id),
    );
  };
}

export interface GatheringOptions<Member> {
  /** The collectors to ask now: those that listen (one still connecting has nothing to count, and would hold the scrape). */
  members(): Member[];
  send(member: Member, message: RelayMessage): void;
  /** The gatherer's own metrics, when it serves too. */
  own?: () => Promise<MetricsJson>;
  /** What of a member's metrics counts: a thread's `process_*` figures are the process's, counted once. */
  keep?: (metric: MetricsJson[number]) => boolean;
  /** The gauge of how many collectors the sums cover. */
  serving: { name: string; help: string };
}

/** In the one that gathers: sums the serving collectors' metrics, for its own scrapes and for relayed ones. */
export class MetricsGathering<Member> {
  readonly #pending = new Map<number, (member: Member, metrics: MetricsJson) => void>();
  #nextId = 0;

  constructor(private readonly options: GatheringOptions<Member>) {}

  async gather(): Promise<string> {
    const id = this.#nextId++;
    const asked = this.options.members();
    const parts = new Map<Member, MetricsJson>();
    const all = new Promise<MetricsJson[]>((resolve) => {
      this.#pending.set(id, (member, metrics) => {
        if (!asked.includes(member) || parts.has(member)) return;
        const { keep } = this.options;
        parts.set(member, keep ? metrics.filter(keep) : metrics);
        if (parts.size === asked.length) resolve([...parts.values()]);
      });
      if (asked.length === 0) resolve([]);
      for (const member of asked) this.options.send(member, { type: 'tern:metrics-gather', id });
    });
    try {
      const members = await withDeadline(all, TIMEOUT_MS, () => timedOut('metrics from every collector'));
      const own = this.options.own ? [await this.options.own()] : [];
      return await sumOfCollectors([...own, ...members], this.options.serving);
    } finally {
      this.#pending.delete(id);
    }
  }

  /** A message from `member`: its part of a gathering, or a scrape it relays. */
  received(member: Member, message: unknown): void {
    if (!isRelayMessage(message)) return;
    if (message.type === 'tern:metrics-part') {
      this.#pending.get(message.id)?.(member, message.metrics);
    } else if (message.type === 'tern:metrics-request') {
      const reply = (answer: { text?: string; error?: string }) =>
        this.options.send(member, { type: 'tern:metrics-response', id: message.id, ...answer });
      this.gather().then(
        (text) => reply({ text }),
        (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
      );
    }
  }

  /** A member that exited: a gathering waiting on it goes on without it rather than waiting for its deadline. */
  left(member: Member): void {
    for (const settle of this.#pending.values()) settle(member, []);
  }
}
