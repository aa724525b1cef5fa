import type { z } from 'zod';

/** The field at fault and what is wrong with it, as an error answer names them. */
export interface FieldIssue {
  /** Dotted path (`date_range.0`, `props.plan`); `body` for the value as a whole. */
  field: string;
  message: string;
}

type Issue = z.core.$ZodIssue;

/**
 * The issue worth telling about. For a value that matches no branch of a union (a `date_range` that is neither a
 * shortcut nor a pair of dates), zod reports the union itself ("Invalid input"); the branch that got furthest (the
 * longest path) says what is really wrong, e.g. `date_range.0: not a calendar date`.
 */
export function primaryIssue(error: z.ZodError, fallback = 'body'): FieldIssue {
  const issue = mostSpecific(error.issues[0], []);
  const field = issue.path.map(String).join('.') || fallback;
  return { field, message: issue.message };
}

function mostSpecific(issue: Issue | undefined, prefix: PropertyKey[]): { path: PropertyKey[]; message: string } {
  if (!issue) return { path: prefix, message: 'invalid' };
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { path, message: issue.message };
  const candidates = issue.errors.map((branch) => mostSpecific(branch[0], path));
  return candidates.reduce((best, next) => (next.path.length > best.path.length ? next : best));
}
