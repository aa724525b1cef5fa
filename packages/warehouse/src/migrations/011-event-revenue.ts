import type { Migration } from './migration.ts';

/**
 * Revenue of custom events, as Plausible's Events API sends it (`revenue: { amount, currency }`): the amount as
 * Decimal(18, 3), exact, and its ISO 4217 currency ('' when the event has none). A revenue goal (a custom event goal
 * with a currency) reports the revenue of its events in that currency: `total_revenue`, `average_revenue`.
 *
 * Before this, the collector kept the two as props (`revenue.amount`, `revenue.currency`): rows stored then read them
 * from there (the columns' defaults, computed when such a row is read), so no stored row is rewritten.
 */
export const addEventRevenue: Migration = {
  version: 11,
  name: 'add revenue to events',
  statements: [
    `ALTER TABLE events
      ADD COLUMN IF NOT EXISTS revenue_amount Decimal(18, 3)
        DEFAULT if(mapContains(props, 'revenue.currency'), toDecimal64OrZero(props['revenue.amount'], 3), 0)
        AFTER scroll_depth,
      ADD COLUMN IF NOT EXISTS revenue_currency LowCardinality(String)
        DEFAULT if(match(props['revenue.currency'], '^[A-Z]{3}$'), props['revenue.currency'], '')
        AFTER revenue_amount`,
  ],
};
