import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { type ShareRecord, shareRecordSchema } from '@tern/events';
import type { EventLog, LogProducer } from '@tern/stream';
import { CompactedView } from './compacted-view.ts';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

/** Public dashboard links, keyed by id, as a view of the compacted shares topic that every web instance reads. */
export class ShareDirectory {
  readonly #view: CompactedView<ShareRecord>;

  constructor(
    log: EventLog,
    private readonly topic: string,
    role: string,
  ) {
    this.#view = new CompactedView(log, topic, shareRecordSchema, role);
  }

  start(): Promise<void> {
    return this.#view.start();
  }

  stop(): Promise<void> {
    return this.#view.stop();
  }

  get(id: string): ShareRecord | undefined {
    return this.#view.get(id);
  }

  listFor(site: string): ShareRecord[] {
    return [...this.#view.entries()]
      .map(([, share]) => share)
      .filter((share) => share.site === site)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async create(producer: LogProducer, site: string, password?: string): Promise<ShareRecord> {
    const record: ShareRecord = {
      id: randomBytes(16).toString('base64url'),
      site,
      ...(password ? { passwordHash: await hashPassword(password) } : {}),
      createdAt: Date.now(),
    };
    await producer.send(this.topic, [{ key: record.id, value: JSON.stringify(record) }]);
    await this.#view.waitFor(record.id, (value) => value?.createdAt === record.createdAt);
    return record;
  }

  async revoke(producer: LogProducer, id: string): Promise<void> {
    await producer.send(this.topic, [{ key: id, value: null }]);
    await this.#view.waitFor(id, (value) => value === undefined);
  }
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
