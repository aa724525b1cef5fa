import { join } from 'node:path';
import { EmbeddedLog } from '@tern/stream';
import { afterAll, expect, it } from 'vitest';
import { randomId, tempDir, waitFor } from '../../../test/helpers.ts';
import { SaltRing } from './salts.ts';

const DAY = 86_400_000;
const log = new EmbeddedLog({ path: join(tempDir('salts'), 'log.sqlite') });
afterAll(() => log.close());

it("gives a day's salt, decoded once, until a new record for the day replaces it", async () => {
  const topic = `salts-${randomId()}`;
  await log.ensureTopics([{ name: topic, partitions: 1, compacted: true }]);
  const ring = new SaltRing(log, topic, 'test');
  await ring.start();
  try {
    const producer = await log.producer();
    const noon = Date.UTC(2026, 10, 26, 12);
    await ring.rotate(producer, noon);

    const today = ring.saltFor(noon);
    expect(today).toHaveLength(32);
    // The same day gives the same decoded buffer; the next day (published ahead) its own; the day before none.
    expect(ring.saltFor(noon + 11 * 3600_000)).toBe(today);
    expect(ring.saltFor(noon + DAY)).toHaveLength(32);
    expect(ring.saltFor(noon + DAY)?.equals(today as Buffer)).toBe(false);
    expect(ring.saltFor(noon - DAY)).toBeUndefined();

    const replacement = Buffer.alloc(32, 9);
    const day = '2026-11-26';
    await producer.send(topic, [{ key: day, value: JSON.stringify({ day, secret: replacement.toString('base64') }) }]);
    await waitFor(async () => (ring.saltFor(noon)?.equals(replacement) ? true : undefined), 10_000, 'the new salt');
  } finally {
    await ring.stop();
  }
});
