import { z } from 'zod';

/** A record the pipeline could not use, kept with the reason so it can be inspected and replayed. */
export const deadLetterSchema = z.strictObject({
  reason: z.string(),
  stage: z.enum(['collector', 'ingest', 'import']),
  at: z.number().int(),
  /** The offending payload, as received (already stripped of IP and user agent). */
  payload: z.string(),
  source: z.optional(
    z.strictObject({
      topic: z.string(),
      partition: z.number().int(),
      offset: z.string(),
      /** The line within a message of several events (event-message.ts). */
      index: z.optional(z.number().int().nonnegative()),
    }),
  ),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;
