import { z } from 'zod';

/** Why the collector took a request for a bot. */
export const BOT_REASONS = ['user_agent', 'headless', 'no_user_agent', 'datacenter'] as const;
export type BotReason = (typeof BOT_REASONS)[number];

/**
 * A request the collector classified as a bot: kept 30 days on the bots topic and table, for audit and for
 * tuning the filter. Bots are not visitors: the user agent is kept, the IP is not.
 */
export const botEventSchema = z.strictObject({
  siteId: z.string().max(253),
  at: z.number().int(),
  reason: z.enum(BOT_REASONS),
  userAgent: z.string().max(512),
  hostname: z.string().max(2048),
  pathname: z.string().max(2048),
  events: z.number().int().min(1),
});
export type BotEvent = z.infer<typeof botEventSchema>;
