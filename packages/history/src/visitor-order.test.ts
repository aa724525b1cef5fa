import { type EnrichedEvent, utcMonthOf } from '@tern/events';
import { describe, expect, it } from 'vitest';
import { enrichedEvent } from '../../../test/fixtures.ts';
import { prng } from '../../../test/helpers.ts';
import { VisitorOrder } from './visitor-order.ts';

const ordered = (events: EnrichedEvent[]) =>
  [...events].sort(
    (a, b) =>
      a.siteId.localeCompare(b.siteId) ||
      utcMonthOf(a.timestamp) - utcMonthOf(b.timestamp) ||
      (a.visitorId < b.visitorId ? -1 : a.visitorId > b.visitorId ? 1 : 0) ||
      a.timestamp - b.timestamp,
  );

async function drained(order: VisitorOrder): Promise<EnrichedEvent[]> {
  const out: EnrichedEvent[] = [];
  for await (const event of order.drain()) out.push(event);
  return out;
}

describe('VisitorOrder', () => {
  const random = prng(11);
  const events = Array.from({ length: 2_345 }, (_, i) =>
    enrichedEvent({
      siteId: i % 7 === 0 ? 'b.example' : 'a.example',
      visitorId: String(Math.floor(random() * 300)),
      timestamp: Date.parse('2026-01-01T00:00:00Z') + Math.floor(random() * 1e10),
      pathname: `/${i}`,
    }),
  );

  it.each([10_000, 1_000, 97, 1])('orders by site, month, visitor and time in runs of %i', async (runSize) => {
    const order = new VisitorOrder(runSize);
    for (const event of events) await order.add(event);
    expect((await drained(order)).map((e) => e.pathname)).toEqual(ordered(events).map((e) => e.pathname));
  });

  it("keeps the file's order for one visitor's events of the same time, across runs", async () => {
    const same = Array.from({ length: 50 }, (_, i) =>
      enrichedEvent({ visitorId: '1', timestamp: 5, pathname: `/${i}` }),
    );
    const order = new VisitorOrder(7);
    for (const event of same) await order.add(event);
    expect((await drained(order)).map((e) => e.pathname)).toEqual(same.map((e) => e.pathname));
  });
});
