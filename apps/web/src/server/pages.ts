import type { SiteRecord } from '@tern/events';
import { notFound, redirect } from 'next/navigation';
import { hasSession } from './auth.ts';
import { segment } from './params.ts';
import { runtime, type WebRuntime } from './runtime.ts';

/**
 * A site page's preamble: the operator's session (else the log-in, coming back to `path`), and the registered site
 * (else 404).
 */
export async function requireSite(raw: string, path = ''): Promise<{ rt: WebRuntime; site: SiteRecord }> {
  const domain = segment(raw);
  if (domain === undefined) notFound();
  const rt = await runtime();
  if (!(await hasSession(rt.config))) redirect(`/login?next=${encodeURIComponent(`/sites/${domain}${path}`)}`);
  const site = rt.sites.get(domain);
  if (!site) notFound();
  return { rt, site };
}
