'use client';

import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { type Access, streamUrl } from './client.ts';
import { countryName, flag } from './countries.ts';

interface Realtime {
  current_visitors: number;
  minutes: Array<{ minute: string; visitors: number; pageviews: number; events: number }>;
}

let received = 0;

interface LiveEvent {
  /** A client-side sequence number, the list key. */
  seq: number;
  type: string;
  name: string;
  timestamp: number;
  pathname: string;
  source: string;
  country: string;
  city: string;
  browser: string;
  device: string;
  props: Record<string, string>;
}

/** The last 30 minutes, pushed by the realtime stream (every 5 s); the browser's EventSource reconnects by itself. */
export function useRealtime(site: string, access: Access): Realtime | undefined {
  const [update, setUpdate] = useState<Realtime>();
  useEffect(() => {
    const source = new EventSource(streamUrl(`/api/v1/realtime?site_id=${encodeURIComponent(site)}&stream=1`, access));
    source.addEventListener('realtime', (event) => setUpdate(JSON.parse((event as MessageEvent<string>).data)));
    return () => source.close();
  }, [site, access]);
  return update;
}

/** "N current visitors", kept live by the realtime stream. */
export function LiveVisitors({ site, access }: { site: string; access: Access }) {
  const realtime = useRealtime(site, access);
  if (!realtime) return null;
  const current = realtime.current_visitors;
  return (
    <span className="live-visitors" data-testid="live-visitors" title="Visitors with activity in the last 5 minutes">
      <span className="pulse" aria-hidden="true" /> {current.toLocaleString('en-US')} current{' '}
      {current === 1 ? 'visitor' : 'visitors'}
    </span>
  );
}

const FEED_LENGTH = 50;

/** The live event feed: every event as it reaches the events topic, newest first. */
export function LiveFeed({ site, access }: { site: string; access: Access }) {
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [dropped, setDropped] = useState(0);
  useEffect(() => {
    const source = new EventSource(streamUrl(`/api/v1/live?site_id=${encodeURIComponent(site)}`, access));
    source.addEventListener('events', (event) => {
      const batch = (JSON.parse((event as MessageEvent<string>).data) as LiveEvent[]).map((e) => ({
        ...e,
        seq: received++,
      }));
      setEvents((list) => [...batch.reverse(), ...list].slice(0, FEED_LENGTH));
    });
    source.addEventListener('dropped', (event) => {
      setDropped((n) => n + (JSON.parse((event as MessageEvent<string>).data) as { dropped: number }).dropped);
    });
    return () => source.close();
  }, [site, access]);
  return (
    <section className="panel" data-testid="live-feed">
      <h2>Live events</h2>
      {dropped > 0 ? <p className="muted">{dropped} events skipped to keep up.</p> : null}
      {events.length === 0 ? (
        <p className="muted empty">Waiting for events… they appear here within a second of arriving.</p>
      ) : (
        <ul className="feed">
          {events.map((e) => (
            <li key={e.seq} className="feed-item">
              <span className="muted">{new Date(e.timestamp).toLocaleTimeString()}</span>{' '}
              <strong>{e.type === 'pageview' ? e.pathname : e.name}</strong>{' '}
              <span className="muted">
                {e.type === 'pageview' ? 'viewed' : `on ${e.pathname}`}
                {e.country ? ` · ${flag(e.country)} ${e.city || countryName(e.country)}` : ''}
                {e.browser ? ` · ${e.browser}` : ''}
                {e.source ? ` · from ${e.source}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The realtime view: current visitors, visitors per minute over 30 minutes, and the live feed. */
export function RealtimeView({ site, access }: { site: string; access: Access }) {
  const realtime = useRealtime(site, access);
  return (
    <>
      <section className="panel realtime" data-testid="realtime-view">
        <div className="kpi">
          <div className="label">Current visitors</div>
          <div className="value" data-testid="realtime-current">
            {realtime ? realtime.current_visitors.toLocaleString('en-US') : <div className="skeleton" />}
          </div>
          <div className="muted">active in the last 5 minutes</div>
        </div>
        <div className="chart" style={{ height: 200 }}>
          {realtime ? (
            <ResponsiveContainer>
              <BarChart data={realtime.minutes.map((m) => ({ ...m, label: m.minute.slice(11, 16) }))}>
                <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
                <XAxis dataKey="label" fontSize={12} minTickGap={20} />
                <YAxis fontSize={12} allowDecimals={false} width={36} />
                <Tooltip />
                <Bar dataKey="pageviews" name="Pageviews" fill="var(--accent)" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          ) : (
            <div className="skeleton" style={{ height: 180 }} />
          )}
        </div>
      </section>
      <LiveFeed site={site} access={access} />
    </>
  );
}
