import type { ClickHouseClient } from '@clickhouse/client';
import type { BotEvent } from '@tern/events';
import { WarehouseError } from '../../errors.ts';

export interface BotRow {
  bot: BotEvent;
  partition: number;
  offset: bigint;
}

/** Inserts bot records; the dedup token makes a re-delivered batch a no-op, as for events. */
export async function insertBotEvents(client: ClickHouseClient, rows: BotRow[], dedupToken: string): Promise<void> {
  if (rows.length === 0) return;
  try {
    await client.insert({
      table: 'bot_events',
      format: 'JSONEachRow',
      values: rows.map(({ bot, partition, offset }) => ({
        site_id: bot.siteId,
        timestamp: bot.at,
        reason: bot.reason,
        user_agent: bot.userAgent,
        hostname: bot.hostname,
        pathname: bot.pathname,
        events: bot.events,
        _partition: partition,
        _offset: offset.toString(),
      })),
      clickhouse_settings: { insert_deduplication_token: dedupToken, insert_deduplicate: 1 },
    });
  } catch (cause) {
    throw new WarehouseError(`insert of ${rows.length} bot records (${dedupToken})`, true, { cause });
  }
}
