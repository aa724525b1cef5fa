'use client';

import { useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { dateRange, viewFromSearch } from '../lib/dashboard-state.ts';
import { callApi } from './dashboard/client.ts';
import { dimensionLabel } from './dashboard/format.ts';

type StoredEvent = Record<string, unknown> & { event_id: string; props: Record<string, string> };

const COLUMNS = [
  ['timestamp', 'Time'],
  ['type', 'Type'],
  ['name', 'Name'],
  ['pathname', 'Page'],
  ['source', 'Source'],
  ['referrer', 'Referrer'],
  ['utm_campaign', 'UTM campaign'],
  ['country', 'Country'],
  ['region', 'Region'],
  ['city', 'City'],
  ['browser', 'Browser'],
  ['os', 'OS'],
  ['device', 'Device'],
  ['screen_width', 'Screen'],
  ['language', 'Language'],
  ['props', 'Props'],
  ['session_id', 'Session'],
  ['event_id', 'Event id'],
] as const;
const DEFAULT_COLUMNS = ['timestamp', 'type', 'name', 'pathname', 'source', 'country', 'browser', 'props'];
const STORAGE_KEY = 'tern.explorer.columns';
const PAGE = 100;

/**
 * The raw event history of a site under the dashboard's period and filters (taken from the URL), paged by cursor
 * as the table scrolls, with a choice of columns and an export of everything that matches.
 */
export function EventExplorer({ site }: { site: string }) {
  const search = useSearchParams();
  const view = useMemo(() => viewFromSearch(new URLSearchParams(search.toString())), [search]);
  const [columns, setColumns] = useState<string[]>(DEFAULT_COLUMNS);
  const [events, setEvents] = useState<StoredEvent[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [state, setState] = useState<'loading' | 'idle' | 'error'>('loading');
  const [error, setError] = useState('');
  const sentinel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    if (saved) setColumns(JSON.parse(saved) as string[]);
  }, []);

  const base = useMemo(() => {
    const range = dateRange(view);
    const params = new URLSearchParams({
      site_id: site,
      date_range: Array.isArray(range) ? range.join(',') : range,
    });
    if (view.filters.length > 0) params.set('filters', JSON.stringify(view.filters));
    return params;
  }, [site, view]);

  const loadPage = useCallback(
    async (after: string | undefined, replace: boolean) => {
      setState('loading');
      const params = new URLSearchParams(base);
      params.set('limit', String(PAGE));
      if (after) params.set('cursor', after);
      try {
        const body = await callApi<{ events: StoredEvent[]; next_cursor: string | null }>(
          `/api/v1/events?${params}`,
          {},
        );
        setEvents((list) => (replace ? body.events : [...list, ...body.events]));
        setCursor(body.next_cursor);
        setState('idle');
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
        setState('error');
      }
    },
    [base],
  );

  useEffect(() => {
    setEvents([]);
    void loadPage(undefined, true);
  }, [loadPage]);

  // Infinite scroll: the next page loads when the end of the table comes into view.
  useEffect(() => {
    const target = sentinel.current;
    if (!target || !cursor || state !== 'idle') return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) void loadPage(cursor, false);
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [cursor, state, loadPage]);

  const toggle = (column: string) => {
    const next = columns.includes(column) ? columns.filter((c) => c !== column) : [...columns, column];
    const ordered = COLUMNS.map(([key]) => key as string).filter((key) => next.includes(key));
    setColumns(ordered);
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(ordered));
  };
  const exportUrl = (format: 'csv' | 'ndjson') => {
    const params = new URLSearchParams(base);
    params.set('format', format);
    return `/api/v1/events?${params}`;
  };

  return (
    <>
      <div className="row spread dashboard-head">
        <h1 style={{ margin: 0 }}>Events of {site}</h1>
        <div className="row">
          <a className="button-link" href={exportUrl('csv')} download data-testid="export-csv">
            Export CSV
          </a>
          <a className="button-link" href={exportUrl('ndjson')} download>
            Export NDJSON
          </a>
        </div>
      </div>
      <p className="muted">
        {view.filters.length > 0
          ? `Filtered by ${view.filters.map(([, d, v]) => `${dimensionLabel(d)} = ${v.join(', ')}`).join('; ')}. `
          : ''}
        Period and filters come from the dashboard; newest events first.
      </p>
      <details className="panel">
        <summary>Columns</summary>
        <div className="columns">
          {COLUMNS.map(([key, label]) => (
            <label key={key} className="row">
              <input type="checkbox" checked={columns.includes(key)} onChange={() => toggle(key)} /> {label}
            </label>
          ))}
        </div>
      </details>
      <section className="panel explorer-scroll">
        <table className="explorer-table" data-testid="event-table">
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column}>{COLUMNS.find(([key]) => key === column)?.[1] ?? column}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={event.event_id} data-testid="event-row">
                {columns.map((column) => (
                  <td key={column} title={cell(event, column)}>
                    {cell(event, column)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {state === 'error' ? (
          <p className="error" role="alert">
            Could not load events: {error}
          </p>
        ) : null}
        {state === 'idle' && events.length === 0 ? (
          <p className="muted empty">No events in this period under these filters.</p>
        ) : null}
        {state === 'loading' ? <div className="skeleton" /> : null}
        <div ref={sentinel} />
        {cursor && state === 'idle' ? (
          <button type="button" className="secondary" onClick={() => void loadPage(cursor, false)}>
            Load more
          </button>
        ) : null}
      </section>
    </>
  );
}

function cell(event: StoredEvent, column: string): string {
  const value = event[column];
  if (column === 'props') {
    return Object.entries(event.props)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  }
  if (column === 'timestamp') return new Date(String(value)).toLocaleString();
  return value === undefined || value === null ? '' : String(value);
}
