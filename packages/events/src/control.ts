import { z } from 'zod';
import { CURRENCY } from './wire.ts';

/** Records of the compacted control topics that the web app publishes and every collector reads. */
/**
 * A conversion goal: a custom event by name, or visits to pages whose path matches (`*` and `**` match anything,
 * as in Plausible). Its name in the query API is the event name, or "Visit " + the path. A custom event goal with a
 * currency is a revenue goal: it reports the revenue its events carry in that currency (`total_revenue`,
 * `average_revenue`); there is no conversion between currencies.
 */
export const goalSchema = z.union([
  z.strictObject({
    event: z.string().min(1).max(120),
    currency: z.string().regex(CURRENCY, 'an ISO 4217 currency code (three capital letters)').optional(),
  }),
  z.strictObject({ page: z.string().min(1).max(2048).startsWith('/') }),
]);
export type Goal = z.infer<typeof goalSchema>;

export const goalName = (goal: Goal): string => ('event' in goal ? goal.event : `Visit ${goal.page}`);

export const siteRecordSchema = z.strictObject({
  domain: z.string().min(1).max(253),
  timezone: z.string().min(1).max(64),
  createdAt: z.number().int(),
  /** Records written before goals existed have none. */
  goals: z.array(goalSchema).max(100).default([]),
});
export type SiteRecord = z.infer<typeof siteRecordSchema>;

/** A daily salt: key is the UTC day (YYYY-MM-DD). Salts older than yesterday are tombstoned. */
export const saltRecordSchema = z.strictObject({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** 32 random bytes, base64. */
  secret: z.string().min(40),
});
export type SaltRecord = z.infer<typeof saltRecordSchema>;

/**
 * An API token: key is its id. Only the SHA-256 of the secret is stored; the secret is shown once, at creation.
 * Revoking publishes a tombstone.
 */
export const tokenRecordSchema = z.strictObject({
  id: z.string().regex(/^[a-f0-9]{12}$/),
  name: z.string().min(1).max(100),
  /** Hex SHA-256 of the secret. */
  hash: z.string().regex(/^[a-f0-9]{64}$/),
  /** Domains the token may read and import into; empty means every site. */
  sites: z.array(z.string().min(1).max(253)).max(1000),
  ratePerMinute: z.number().int().min(1).max(100_000),
  createdAt: z.number().int(),
});
export type TokenRecord = z.infer<typeof tokenRecordSchema>;

/**
 * A read-only public link to a site's dashboard: key is its id, which is the link's secret part. A password, when
 * set, is kept only as a scrypt hash (`scrypt$<salt>$<hash>`, base64url). Revoking publishes a tombstone.
 */
export const shareRecordSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  site: z.string().min(1).max(253),
  passwordHash: z.string().max(200).optional(),
  createdAt: z.number().int(),
});
export type ShareRecord = z.infer<typeof shareRecordSchema>;
