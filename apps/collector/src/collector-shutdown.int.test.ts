import type { KafkaLog } from '@tern/stream';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { expectPathnamesOnTopic, spawnCollectorForSite } from '../../../test/control-plane.ts';
import { BROWSER_UA, randomId, waitFor } from '../../../test/helpers.ts';

const id = randomId();
const site = `shutdown-${id}.example`;
let admin: KafkaLog | undefined;
afterAll(() => admin?.close());

describe('collector on SIGTERM', () => {
  it('stops accepting, writes everything it acknowledged, and exits 0', async () => {
    const spawned = await spawnCollectorForSite(inject('kafkaBrokers'), id, site);
    admin = spawned.admin;
    const { env, child, url, exited } = spawned;
    await waitFor(async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined), 30_000, 'the collector');

    const outcomes = new Map<number, number>();
    let signalled = false;
    const send = async (n: number) => {
      const response = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
        body: JSON.stringify({
          site,
          events: Array.from({ length: 5 }, (_, i) => ({ type: 'pageview', url: `https://${site}/r/${n}/${i}` })),
        }),
      }).catch(() => undefined);
      outcomes.set(n, response?.status ?? 0);
      await response?.text();
      if (!signalled && outcomes.size >= 150) {
        signalled = true;
        child.kill('SIGTERM');
      }
    };
    for (let n = 0; n < 600; n += 30) await Promise.all(Array.from({ length: 30 }, (_, i) => send(n + i)));
    expect(await exited).toBe(0);

    const acknowledged = [...outcomes].filter(([, s]) => s === 202).map(([n]) => n);
    const refused = [...outcomes.values()].filter((s) => s !== 202).length;
    const expected = acknowledged.flatMap((n) => Array.from({ length: 5 }, (_, i) => `/r/${n}/${i}`));
    await expectPathnamesOnTopic(spawned.admin, env, expected, 'every acknowledged event');
    console.log(
      `shutdown: ${acknowledged.length} requests acknowledged (${expected.length} events, all on the topic), ${refused} refused or cut off`,
    );
    expect(acknowledged.length).toBeGreaterThanOrEqual(150);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);
});
