import { createHash, randomBytes } from 'node:crypto';
import { type TokenRecord, tokenRecordSchema } from '@tern/events';
import type { EventLog, LogProducer } from '@tern/stream';
import { CompactedView } from './compacted-view.ts';

/** API tokens, keyed by id, as a view of the compacted tokens topic that every web instance reads. */
export class TokenDirectory {
  readonly #view: CompactedView<TokenRecord>;

  constructor(
    log: EventLog,
    private readonly topic: string,
    role: string,
  ) {
    this.#view = new CompactedView(log, topic, tokenRecordSchema, role);
  }

  start(): Promise<void> {
    return this.#view.start();
  }

  stop(): Promise<void> {
    return this.#view.stop();
  }

  list(): TokenRecord[] {
    return [...this.#view.entries()].map(([, token]) => token).sort((a, b) => a.createdAt - b.createdAt);
  }

  get(id: string): TokenRecord | undefined {
    return this.#view.get(id);
  }

  /** The token whose secret this is, if any. */
  find(secret: string): TokenRecord | undefined {
    const hash = hashSecret(secret);
    return this.list().find((token) => token.hash === hash);
  }

  /** Creates a token and returns it with its secret, which is not kept anywhere. */
  async create(
    producer: LogProducer,
    spec: Pick<TokenRecord, 'name' | 'sites' | 'ratePerMinute'>,
  ): Promise<{ record: TokenRecord; secret: string }> {
    const secret = `tern_${randomBytes(24).toString('base64url')}`;
    const record: TokenRecord = {
      ...spec,
      id: randomBytes(6).toString('hex'),
      hash: hashSecret(secret),
      createdAt: Date.now(),
    };
    await producer.send(this.topic, [{ key: record.id, value: JSON.stringify(record) }]);
    await this.#view.waitFor(record.id, (value) => value?.hash === record.hash);
    return { record, secret };
  }

  async revoke(producer: LogProducer, id: string): Promise<void> {
    await producer.send(this.topic, [{ key: id, value: null }]);
    await this.#view.waitFor(id, (value) => value === undefined);
  }
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
