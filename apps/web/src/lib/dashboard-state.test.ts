import { describe, expect, it } from 'vitest';
import { DEFAULT_VIEW, dashboardQueries, searchFromView, viewFromSearch, withFilter } from './dashboard-state.ts';

describe('dashboard view in the URL', () => {
  it('round-trips a view, values with | and % included, and leaves defaults out', () => {
    const view = withFilter(
      { ...DEFAULT_VIEW, period: 'custom', from: '2026-01-01', to: '2026-01-31', compare: true },
      'event:page',
      '/a|b%20c',
    );
    const search = searchFromView(view);
    expect(search).not.toContain('metric=');
    expect(viewFromSearch(new URLSearchParams(search))).toEqual({ ...view, interval: undefined, prop: undefined });
    expect(searchFromView(DEFAULT_VIEW)).toBe('');
  });

  it('falls back to defaults for unknown values and a broken custom range', () => {
    const view = viewFromSearch(new URLSearchParams('period=custom&from=2026-02-01&to=2026-01-01&pages=nope&f=drop|x'));
    expect(view.period).toBe(DEFAULT_VIEW.period);
    expect(view.tabs.pages).toBe('event:page');
    expect(view.filters).toEqual([]);
  });

  it('replaces a filter on the same dimension when a row is clicked', () => {
    const once = withFilter(DEFAULT_VIEW, 'visit:source', 'Google');
    expect(withFilter(once, 'visit:source', 'Twitter').filters).toEqual([['is', 'visit:source', ['Twitter']]]);
  });

  it('asks for the comparison only where one makes sense, and the last 30 minutes for realtime', () => {
    const now = new Date('2026-11-26T12:00:00Z');
    const realtime = dashboardQueries('a.example', { ...DEFAULT_VIEW, period: 'realtime' }, true, now);
    expect(realtime.kpis.date_range).toEqual(['2026-11-26T11:30:00.000Z', '2026-11-26T12:00:00.000Z']);
    expect(realtime.kpis.include).toBeUndefined();
    const month = dashboardQueries('a.example', { ...DEFAULT_VIEW, compare: true }, false, now);
    expect(month.chart.include).toEqual({ time_labels: true, comparisons: { mode: 'previous_period' } });
    // Without goals the goals panel lists custom events.
    expect(month.goals.dimensions).toEqual(['event:name']);
  });
});
