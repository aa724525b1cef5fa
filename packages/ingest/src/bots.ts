import { botEventSchema } from '@tern/events';
import type { EventLog, LogConsumer } from '@tern/stream';
import { type BotRow, insertBotEvents, type Warehouse } from '@tern/warehouse';
import type { Logger } from 'pino';

/** Copies the bots topic into the `bot_events` table (30-day TTL). Unparsable records are skipped. */
export async function startBotIngest(
  log: EventLog,
  warehouse: Warehouse,
  topic: string,
  groupId: string,
  logger: Logger,
  /** Called with this consumer's own group when it is started again (ConsumerOptions.onRestart). */
  onRestart?: (group: string) => void,
): Promise<LogConsumer> {
  const group = `${groupId}-bots`;
  const consumer = log.consumer({
    groupId: group,
    topics: [topic],
    fromBeginning: true,
    ...(onRestart ? { onRestart: () => onRestart(group) } : {}),
  });
  await consumer.run(async (batch) => {
    const rows: BotRow[] = [];
    for (const message of batch.messages) {
      const parsed = botEventSchema.safeParse(safeJson(message.value?.toString('utf8') ?? ''));
      if (parsed.success) rows.push({ bot: parsed.data, partition: batch.partition, offset: message.offset });
      else
        logger.warn({ partition: batch.partition, offset: String(message.offset) }, 'skipping an invalid bot record');
    }
    const first = batch.messages[0];
    const last = batch.messages[batch.messages.length - 1];
    if (first && last)
      await insertBotEvents(warehouse.client, rows, `${topic}:${batch.partition}:${first.offset}-${last.offset}`);
  });
  return consumer;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
