import { z } from 'zod';

/** Records of the compacted control topics that the web app publishes and every collector reads. */
export const siteRecordSchema = z.strictObject({
  domain: z.string().min(1).max(253),
  timezone: z.string().min(1).max(64),
  createdAt: z.number().int(),
});
export type SiteRecord = z.infer<typeof siteRecordSchema>;

/** A daily salt: key is the UTC day (YYYY-MM-DD). Salts older than yesterday are tombstoned. */
export const saltRecordSchema = z.strictObject({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** 32 random bytes, base64. */
  secret: z.string().min(40),
});
export type SaltRecord = z.infer<typeof saltRecordSchema>;
