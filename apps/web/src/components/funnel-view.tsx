'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useMemo, useState } from 'react';
import { dateRange, PERIODS, viewFromSearch } from '../lib/dashboard-state.ts';
import { callApi } from './dashboard/client.ts';
import { compact } from './dashboard/format.ts';

type Step = { page: string } | { event: string };
interface FunnelResult {
  visitors: number;
  steps: Array<{ label: string; visitors: number; conversion_rate: number; dropoff: number }>;
}

const DEFAULT_STEPS: Step[] = [{ page: '/' }, { page: '/pricing' }, { event: 'Signup' }];

/** `page:/pricing` or `event:Signup`, as the steps travel in the URL. */
function parseSteps(values: string[]): Step[] {
  const steps = values.flatMap((value): Step[] => {
    const [kind, ...rest] = value.split(':');
    const target = rest.join(':');
    if (kind === 'page' && target.startsWith('/')) return [{ page: target }];
    if (kind === 'event' && target) return [{ event: target }];
    return [];
  });
  return steps.length >= 2 ? steps : DEFAULT_STEPS;
}
const stepText = (step: Step) => ('page' in step ? `page:${step.page}` : `event:${step.event}`);

/** Funnels: ordered steps (pages, with * wildcards, or custom events), conversion and drop-off per step. */
export function FunnelView({ site }: { site: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  const view = useMemo(() => viewFromSearch(new URLSearchParams(search.toString())), [search]);
  const steps = useMemo(() => parseSteps(search.getAll('step')), [search]);
  const windowMinutes = Number(search.get('window') ?? 60) || 60;
  const [draft, setDraft] = useState<Step[]>(steps);
  const [result, setResult] = useState<FunnelResult>();
  const [error, setError] = useState<string>();

  useEffect(() => setDraft(steps), [steps]);
  useEffect(() => {
    setResult(undefined);
    setError(undefined);
    callApi<FunnelResult>(
      '/api/v1/funnels',
      {},
      {
        site_id: site,
        date_range: dateRange(view),
        steps,
        window_minutes: windowMinutes,
        filters: view.filters,
      },
    )
      .then(setResult)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [site, view, steps, windowMinutes]);

  const apply = (next: Step[], minutes = windowMinutes, period = view.period) => {
    const params = new URLSearchParams(search.toString());
    params.delete('step');
    for (const step of next) params.append('step', stepText(step));
    params.set('window', String(minutes));
    params.set('period', period);
    router.replace(`${pathname}?${params}`, { scroll: false });
  };
  const first = result?.steps[0]?.visitors ?? 0;

  return (
    <>
      <div className="row spread dashboard-head">
        <h1 style={{ margin: 0 }}>Funnel of {site}</h1>
        <select
          aria-label="Date range"
          value={view.period}
          onChange={(e) => apply(steps, windowMinutes, e.target.value as typeof view.period)}
        >
          {PERIODS.filter(([p]) => p !== 'custom' && p !== 'realtime').map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <form
        className="panel"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <h2>Steps, in order</h2>
        {draft.map((step, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: steps are positional; editing one must keep its input
          <div key={i} className="row" style={{ marginBottom: 8 }}>
            <span className="muted">{i + 1}.</span>
            <select
              aria-label={`Step ${i + 1} kind`}
              value={'page' in step ? 'page' : 'event'}
              onChange={(e) =>
                setDraft(
                  draft.map((s, j) => (j === i ? (e.target.value === 'page' ? { page: '/' } : { event: '' }) : s)),
                )
              }
            >
              <option value="page">Visit page</option>
              <option value="event">Custom event</option>
            </select>
            <input
              aria-label={`Step ${i + 1}`}
              value={'page' in step ? step.page : step.event}
              placeholder={'page' in step ? '/pricing or /blog/**' : 'Signup'}
              onChange={(e) =>
                setDraft(
                  draft.map((s, j) =>
                    j === i ? ('page' in s ? { page: e.target.value } : { event: e.target.value }) : s,
                  ),
                )
              }
            />
            {draft.length > 2 ? (
              <button type="button" className="secondary" onClick={() => setDraft(draft.filter((_, j) => j !== i))}>
                Remove
              </button>
            ) : null}
          </div>
        ))}
        <div className="row">
          {draft.length < 8 ? (
            <button type="button" className="secondary" onClick={() => setDraft([...draft, { page: '/' }])}>
              Add step
            </button>
          ) : null}
          <label className="row">
            within
            <select
              aria-label="Window"
              defaultValue={String(windowMinutes)}
              name="window"
              onChange={(e) => apply(draft, Number(e.target.value))}
            >
              {[
                [30, '30 minutes'],
                [60, '1 hour'],
                [1440, '1 day'],
                [10080, '7 days'],
              ].map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Show funnel</button>
        </div>
      </form>
      <section className="panel" data-testid="funnel">
        {error ? (
          <p className="error" role="alert">
            Could not compute the funnel: {error}
          </p>
        ) : !result ? (
          <div className="skeleton" />
        ) : first === 0 ? (
          <p className="muted empty">No visitor reached the first step in this period.</p>
        ) : (
          <>
            <div className="funnel-step muted">
              <span>Step</span>
              <span className="num">Visitors</span>
              <span className="num">Conversion</span>
              <span className="num">Dropped</span>
            </div>
            {result.steps.map((step) => (
              <div key={step.label} className="funnel-step" data-testid="funnel-step">
                <div>
                  <div>{step.label}</div>
                  <div className="funnel-bar" style={{ width: `${(step.visitors / first) * 100}%` }} />
                </div>
                <span className="num">{compact(step.visitors)}</span>
                <span className="num">{step.conversion_rate}%</span>
                <span className="num">{compact(step.dropoff)}</span>
              </div>
            ))}
            <p className="muted">
              {compact(result.visitors)} visitors in the period; {compact(first)} reached the first step.
            </p>
          </>
        )}
      </section>
    </>
  );
}
