'use client';

import type { ReactNode } from 'react';
import { PartBoundary } from './boundary.tsx';
import type { MetricValue, QueryResult } from './client.ts';
import { metricValue } from './format.ts';

export type Loaded<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'done'; data: T };

export interface PanelProps {
  title: string;
  testId: string;
  tabs?: ReadonlyArray<readonly [string, string]>;
  tab?: string;
  onTab?: (tab: string) => void;
  result: Loaded<QueryResult>;
  /** The dimension a row click filters on. */
  dimension: string;
  /** `share` is a row's visitors out of `total`, in percent. */
  columns: ReadonlyArray<readonly [metric: string, label: string]>;
  total?: number | undefined;
  firstColumn: string;
  onFilter?: ((dimension: string, value: string) => void) | undefined;
  label?: ((value: string) => ReactNode) | undefined;
  empty: string;
  /** Replaces the table (the map). */
  children?: ReactNode;
  toolbar?: ReactNode;
}

/** A breakdown: tabs, a table whose rows filter the dashboard when clicked, a bar behind each row. */
export function Panel(props: PanelProps) {
  const { result } = props;
  return (
    <section className="panel breakdown" data-testid={props.testId} aria-labelledby={`${props.testId}-title`}>
      <div className="row spread panel-head">
        <h2 id={`${props.testId}-title`}>{props.title}</h2>
        {props.tabs ? (
          <div className="tabs" role="tablist">
            {props.tabs.map(([key, label]) => (
              <button
                key={key}
                type="button"
                role="tab"
                aria-selected={props.tab === key}
                className={`tab ${props.tab === key ? 'active' : ''}`}
                onClick={() => props.onTab?.(key)}
              >
                {label}
              </button>
            ))}
          </div>
        ) : null}
      </div>
      {props.toolbar}
      {result.state === 'loading' ? (
        <div className="skeleton-rows" aria-busy="true">
          {[0, 1, 2, 3, 4].map((i) => (
            <div key={i} className="skeleton" />
          ))}
        </div>
      ) : result.state === 'error' ? (
        <p className="error" role="alert">
          Could not load: {result.message}
        </p>
      ) : props.children ? (
        <PartBoundary name={props.title}>{props.children}</PartBoundary>
      ) : (result.data.results ?? []).length === 0 ? (
        <p className="muted empty">{props.empty}</p>
      ) : (
        <PartBoundary name={props.title}>
          <BreakdownTable {...props} rows={result.data.results} />
        </PartBoundary>
      )}
    </section>
  );
}

function shareOf(visitors: MetricValue | undefined, total: number | undefined): number | null {
  if (!total) return null;
  return Math.round((Number(visitors ?? 0) / total) * 1000) / 10;
}

function BreakdownTable(props: PanelProps & { rows: QueryResult['results'] }) {
  const max = Math.max(1, ...props.rows.map((row) => Number(row.metrics[0] ?? 0)));
  return (
    <table>
      <thead>
        <tr>
          <th>{props.firstColumn}</th>
          {props.columns.map(([metric, label]) => (
            <th key={metric} className="num">
              {label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => {
          const value = row.dimensions[0] ?? '';
          const share = (Number(row.metrics[0] ?? 0) / max) * 100;
          return (
            <tr key={row.dimensions.join('|')} data-testid="breakdown-row">
              <td className="bar-cell" style={{ ['--bar' as string]: `${share}%` }}>
                {props.onFilter ? (
                  <button
                    type="button"
                    className="row-link"
                    title={`Filter by ${value}`}
                    onClick={() => props.onFilter?.(props.dimension, value)}
                  >
                    {props.label ? props.label(value) : value}
                  </button>
                ) : (
                  <span>{props.label ? props.label(value) : value}</span>
                )}
              </td>
              {props.columns.map(([metric], i) => (
                <td key={metric} className="num">
                  {metric === 'share'
                    ? metricValue('percentage', shareOf(row.metrics[0], props.total))
                    : metricValue(metric, row.metrics[i])}
                </td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
