import type { Goal } from '@tern/events';
import { fieldExpression, NO_PROP } from './expressions.ts';
import { goalFilter } from './goals.ts';
import type { ParamBag } from './params.ts';
import type { FieldDimension, Filter, FilterOperator } from './request.ts';

/**
 * Compiles Stats API v2 filters to a SQL condition. Values inside one filter are ORed, top-level
 * filters ANDed (lib/plausible/stats/sql/where_builder.ex). Every value is a bound parameter.
 */
export function compileFilters(
  filters: Filter[],
  params: ParamBag,
  columnOf: ColumnOf = fieldExpression,
  goals: readonly Goal[] = [],
): string {
  if (filters.length === 0) return '1';
  return filters.map((filter) => `(${compileFilter(filter, params, columnOf, goals)})`).join(' AND ');
}

/** Every dimension a filter tree tests. */
export function filterDimensions(filters: Filter[]): FieldDimension[] {
  return filters.flatMap((filter) => {
    const [operator] = filter;
    if (operator === 'and' || operator === 'or') return filterDimensions(filter[1] as Filter[]);
    if (operator === 'not') return filterDimensions([filter[1] as Filter]);
    return [filter[1] as FieldDimension];
  });
}

/** The SQL a filter tests for a dimension: the labelled field of events, or `value` of a rollup row. */
export type ColumnOf = (dimension: FieldDimension, params: ParamBag) => string;

function compileFilter(filter: Filter, params: ParamBag, columnOf: ColumnOf, goals: readonly Goal[]): string {
  const [operator] = filter;
  if (operator === 'and' || operator === 'or') {
    const children = filter[1] as Filter[];
    return children
      .map((child) => `(${compileFilter(child, params, columnOf, goals)})`)
      .join(operator === 'and' ? ' AND ' : ' OR ');
  }
  if (operator === 'not') return `NOT (${compileFilter(filter[1] as Filter, params, columnOf, goals)})`;
  const [, dimension, values, options] = filter as [string, FieldDimension, string[], { case_sensitive?: boolean }?];
  const caseSensitive = options?.case_sensitive ?? true;
  if (dimension === 'event:goal') return goalFilter(operator as FilterOperator, values, caseSensitive, goals, params);
  const column = columnOf(dimension, params);
  const subject = caseSensitive ? column : `lower(${column})`;
  const bound = (value: string) => params.add(caseSensitive ? value : value.toLowerCase(), 'String');
  const condition = compileTest(operator as FilterOperator, column, subject, values, caseSensitive, bound, params);
  // A prop that an event does not have reads "(none)". Plausible's substring and pattern tests, negated or not,
  // match only events that have the key; `is` and `is_not` take "(none)" as a value like any other
  // (shared/SEMANTICS.md, filters).
  const needsKey = dimension.startsWith('event:props:') && SUBSTRING_OR_PATTERN.has(operator as FilterOperator);
  return needsKey ? `${column} != '${NO_PROP}' AND (${condition})` : condition;
}

const SUBSTRING_OR_PATTERN = new Set<FilterOperator>(['contains', 'contains_not', 'matches', 'matches_not']);

function compileTest(
  operator: FilterOperator,
  column: string,
  subject: string,
  values: string[],
  caseSensitive: boolean,
  bound: (value: string) => string,
  params: ParamBag,
): string {
  switch (operator) {
    case 'is':
      return `${subject} IN (${values.map(bound).join(', ')})`;
    case 'is_not':
      return `${subject} NOT IN (${values.map(bound).join(', ')})`;
    case 'contains':
      return values.map((v) => `position(${subject}, ${bound(v)}) > 0`).join(' OR ');
    case 'contains_not':
      return values.map((v) => `position(${subject}, ${bound(v)}) = 0`).join(' AND ');
    case 'matches':
      return values
        .map((v) => `match(${column}, ${params.add(caseSensitive ? v : `(?i)${v}`, 'String')})`)
        .join(' OR ');
    case 'matches_not':
      return values
        .map((v) => `NOT match(${column}, ${params.add(caseSensitive ? v : `(?i)${v}`, 'String')})`)
        .join(' AND ');
    default:
      throw new Error(`unknown filter operator ${operator}`);
  }
}
