import { expect, inject, it } from 'vitest';
import { randomId } from '../helpers.ts';
import { FAULT_POINTS, runScenario, STREAM_EVENTS, whenAcked } from './scenario.ts';

const POISON = ['{"not": "an event"', '{"v":1,"siteId":"x"}', '\u0000binary\u00ff'];

it('poison messages at 10%, 50% and 90% of the stream go to the dead-letter topic; the rest is stored once', async () => {
  await runScenario({
    name: 'poison',
    rig: { brokers: inject('kafkaBrokers'), workers: 1 },
    async inject(rig, stream) {
      const producer = await rig.admin.producer();
      try {
        for (const [i, point] of FAULT_POINTS.entries()) {
          await whenAcked(stream, point * STREAM_EVENTS);
          await producer.send(rig.env.TOPIC_EVENTS, [{ key: `${rig.site}:poison`, value: POISON[i] ?? 'x' }]);
        }
      } finally {
        await producer.close();
      }
    },
    async after(rig) {
      const letters: { reason: string; stage: string }[] = [];
      const consumer = rig.admin.consumer({
        groupId: `dlq-${randomId()}`,
        topics: [rig.env.TOPIC_DEAD_LETTER],
        fromBeginning: true,
      });
      const done = consumer.run(async (batch) => {
        for (const m of batch.messages) letters.push(JSON.parse(m.value?.toString('utf8') ?? '{}'));
      });
      const deadline = Date.now() + 30_000;
      while (letters.length < POISON.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 2000));
      await consumer.stop();
      await done.catch(() => {});
      console.log(`[fault] poison: ${letters.length} dead letters: ${letters.map((l) => l.reason).join(' | ')}`);
      expect(letters).toHaveLength(POISON.length);
      expect(letters.every((l) => l.stage === 'ingest')).toBe(true);
    },
  });
});
