import { isDeepStrictEqual } from 'node:util';
import { type SiteRecord, siteRecordSchema } from '@tern/events';
import type { EventLog, LogProducer } from '@tern/stream';
import { CompactedView } from './compacted-view.ts';

/** Registered sites, keyed by domain. The web app writes; collectors and the web app read. */
export class SiteDirectory {
  readonly #view: CompactedView<SiteRecord>;

  constructor(
    log: EventLog,
    private readonly topic: string,
    role: string,
  ) {
    this.#view = new CompactedView(log, topic, siteRecordSchema, role);
  }

  start(): Promise<void> {
    return this.#view.start();
  }

  stop(): Promise<void> {
    return this.#view.stop();
  }

  get(domain: string): SiteRecord | undefined {
    return this.#view.get(normalizeDomain(domain));
  }

  has(domain: string): boolean {
    return this.get(domain) !== undefined;
  }

  list(): SiteRecord[] {
    return [...this.#view.entries()].map(([, site]) => site).sort((a, b) => a.domain.localeCompare(b.domain));
  }

  get size(): number {
    return this.#view.size;
  }

  /** Publishes a site and waits until this process's own view has it. */
  async register(producer: LogProducer, site: Omit<SiteRecord, 'goals'> & Partial<SiteRecord>): Promise<SiteRecord> {
    const record: SiteRecord = { ...site, goals: site.goals ?? [], domain: normalizeDomain(site.domain) };
    await producer.send(this.topic, [{ key: record.domain, value: JSON.stringify(record) }]);
    await this.#view.waitFor(record.domain, (value) => isDeepStrictEqual(value, record));
    return record;
  }

  async remove(producer: LogProducer, domain: string): Promise<void> {
    const key = normalizeDomain(domain);
    await producer.send(this.topic, [{ key, value: null }]);
    await this.#view.waitFor(key, (value) => value === undefined);
  }
}

/** Sites are matched by host: case-insensitive, without a leading `www.` or a trailing dot. */
export function normalizeDomain(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^www\./, '');
}
