'use client';

import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { callApi, query } from './dashboard/client.ts';

type Goal = { event: string; currency?: string | undefined } | { page: string };
interface Share {
  id: string;
  path: string;
  protected: boolean;
  createdAt: number;
}

export interface SiteSettingsProps {
  site: string;
  timezone: string;
  goals: Goal[];
  snippet: string;
}

const goalLabel = (goal: Goal) => ('event' in goal ? goal.event : `Visit ${goal.page}`);
const revenueLabel = (goal: Goal) => ('currency' in goal && goal.currency ? ` (revenue in ${goal.currency})` : '');

/** A site's settings: installation, goals, time zone, public links, removal. */
export function SiteSettings(props: SiteSettingsProps) {
  const base = `/api/v1/sites/${encodeURIComponent(props.site)}`;
  return (
    <>
      <h1>Settings of {props.site}</h1>
      <InstallationCheck site={props.site} snippet={props.snippet} />
      <GoalsEditor base={base} initial={props.goals} />
      <SharesEditor base={base} />
      <TimezoneEditor base={base} initial={props.timezone} />
      <DeleteSite base={base} site={props.site} />
    </>
  );
}

/** Shows the snippet and waits for the site's first event ("we received your first event"). */
export function InstallationCheck({ site, snippet }: { site: string; snippet: string }) {
  const [state, setState] = useState<'checking' | 'waiting' | 'received'>('checking');
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = async () => {
      try {
        const result = await query({ site_id: site, metrics: ['events'], date_range: 'all' }, {});
        if (stopped) return;
        if (Number(result.results[0]?.metrics[0] ?? 0) > 0) return setState('received');
        setState('waiting');
      } catch {
        setState('waiting');
      }
      timer = setTimeout(check, 3000);
    };
    void check();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [site]);
  return (
    <section className="panel" data-testid="installation">
      <h2>Installation</h2>
      <p>
        Paste this into the <code>&lt;head&gt;</code> of every page:
      </p>
      <pre className="snippet" data-testid="snippet">
        {snippet}
      </pre>
      <p data-testid="installation-status" role="status">
        {state === 'received' ? (
          <strong className="ok">✓ We received your first event. The dashboard is live.</strong>
        ) : state === 'waiting' ? (
          <span className="muted">
            <span className="pulse-dot" aria-hidden="true" /> Waiting for the first event… open a page of your site with
            the snippet; this updates by itself.
          </span>
        ) : (
          <span className="muted">Checking…</span>
        )}
      </p>
    </section>
  );
}

function GoalsEditor({ base, initial }: { base: string; initial: Goal[] }) {
  const [goals, setGoals] = useState<Goal[]>(initial);
  const [kind, setKind] = useState<'event' | 'page'>('event');
  const [value, setValue] = useState('');
  const [currency, setCurrency] = useState('');
  const [error, setError] = useState<string>();
  const save = async (next: Goal[]) => {
    try {
      const site = await callApi<{ goals: Goal[] }>(base, {}, { goals: next }, undefined, 'PATCH');
      setGoals(site.goals);
      setError(undefined);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const add = (event: FormEvent) => {
    event.preventDefault();
    if (!value.trim()) return;
    const code = currency.trim().toUpperCase();
    void save([
      ...goals,
      kind === 'event' ? { event: value.trim(), ...(code ? { currency: code } : {}) } : { page: value.trim() },
    ]);
    setValue('');
    setCurrency('');
  };
  return (
    <section className="panel" data-testid="goals-editor">
      <h2>Goals</h2>
      {goals.length === 0 ? (
        <p className="muted">No goals yet. Count sign-ups, purchases or visits to a page.</p>
      ) : null}
      <ul>
        {goals.map((goal) => (
          <li key={goalLabel(goal)} className="row">
            {goalLabel(goal)}
            {revenueLabel(goal)}
            <button type="button" className="secondary" onClick={() => void save(goals.filter((g) => g !== goal))}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={add}>
        <select aria-label="Goal kind" value={kind} onChange={(e) => setKind(e.target.value as 'event' | 'page')}>
          <option value="event">Custom event</option>
          <option value="page">Page visit</option>
        </select>
        <input
          aria-label="Goal"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={kind === 'event' ? 'Signup' : '/thank-you or /blog/**'}
        />
        {kind === 'event' ? (
          <input
            aria-label="Revenue currency"
            value={currency}
            onChange={(e) => setCurrency(e.target.value)}
            placeholder="Currency, for revenue (EUR)"
            maxLength={3}
            size={10}
          />
        ) : null}
        <button type="submit">Add goal</button>
      </form>
      {error ? <p className="error">{error}</p> : null}
    </section>
  );
}

function SharesEditor({ base }: { base: string }) {
  const [shares, setShares] = useState<Share[]>([]);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const load = useCallback(
    () =>
      callApi<{ shares: Share[] }>(`${base}/shares`, {})
        .then((body) => setShares(body.shares))
        .catch((e: unknown) => setError(String(e))),
    [base],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await callApi(`${base}/shares`, {}, password ? { password } : {});
      setPassword('');
      setError(undefined);
      await load();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const revoke = async (id: string) => {
    await callApi(`${base}/shares/${id}`, {}, undefined, undefined, 'DELETE').catch(() => undefined);
    await load();
  };
  return (
    <section className="panel" data-testid="shares">
      <h2>Public links</h2>
      <p className="muted">Anyone with a link sees this dashboard read-only, without an account.</p>
      <ul>
        {shares.map((share) => (
          <li key={share.id} className="row">
            <a href={share.path} data-testid="share-link">
              {typeof window === 'undefined' ? share.path : `${window.location.origin}${share.path}`}
            </a>
            {share.protected ? <span className="muted">password</span> : null}
            <button type="button" className="secondary" onClick={() => void revoke(share.id)}>
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={create}>
        <input
          type="password"
          aria-label="Link password"
          placeholder="Optional password (8+ characters)"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="new-password"
        />
        <button type="submit">Create link</button>
      </form>
      {error ? <p className="error">{error}</p> : null}
    </section>
  );
}

function TimezoneEditor({ base, initial }: { base: string; initial: string }) {
  const [timezone, setTimezone] = useState(initial);
  const [message, setMessage] = useState<string>();
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [initial];
  return (
    <section className="panel">
      <h2>Time zone</h2>
      <form
        className="row"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await callApi(base, {}, { timezone }, undefined, 'PATCH');
            setMessage('Saved. Days and charts now follow this zone.');
          } catch (error) {
            setMessage(error instanceof Error ? error.message : String(error));
          }
        }}
      >
        <select aria-label="Time zone" value={timezone} onChange={(e) => setTimezone(e.target.value)}>
          {[...new Set([initial, 'UTC', ...zones])].map((zone) => (
            <option key={zone} value={zone}>
              {zone}
            </option>
          ))}
        </select>
        <button type="submit">Save</button>
      </form>
      {message ? <p className="muted">{message}</p> : null}
    </section>
  );
}

function DeleteSite({ base, site }: { base: string; site: string }) {
  return (
    <section className="panel">
      <h2>Remove the site</h2>
      <p className="muted">Collectors stop accepting its events. Stored events are kept.</p>
      <button
        type="button"
        className="danger"
        onClick={async () => {
          if (!window.confirm(`Remove ${site}?`)) return;
          await callApi(base, {}, undefined, undefined, 'DELETE').catch(() => undefined);
          window.location.href = '/';
        }}
      >
        Remove {site}
      </button>
    </section>
  );
}
