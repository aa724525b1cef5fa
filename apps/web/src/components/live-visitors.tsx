'use client';

import { useEffect, useState } from 'react';

/**
 * "N current visitors", kept live by the realtime Server-Sent Events stream (one update every 5 s); the browser's
 * EventSource reconnects by itself after a network blip.
 */
export function LiveVisitors({ site }: { site: string }) {
  const [current, setCurrent] = useState<number>();
  useEffect(() => {
    const source = new EventSource(`/api/v1/realtime?site_id=${encodeURIComponent(site)}&stream=1`);
    source.addEventListener('realtime', (event) => {
      const update = JSON.parse((event as MessageEvent<string>).data) as { current_visitors: number };
      setCurrent(update.current_visitors);
    });
    return () => source.close();
  }, [site]);
  if (current === undefined) return null;
  return (
    <span className="live-visitors" data-testid="live-visitors" title="Visitors with activity in the last 5 minutes">
      <span className="pulse" aria-hidden="true" /> {current.toLocaleString('en-US')} current{' '}
      {current === 1 ? 'visitor' : 'visitors'}
    </span>
  );
}
