import type { SiteRecord } from '@tern/events';
import { notFound, redirect } from 'next/navigation';
import { hasSession } from './auth.ts';
import { runtime, type WebRuntime } from './runtime.ts';

/**
 * A site page's preamble: the operator's session (else the log-in, coming back to `path`), and the registered site
 * (else 404).
 */
export async function requireSite(domain: string, path = ''): Promise<{ rt: WebRuntime; site: SiteRecord }> {
  const rt = await runtime();
  if (!(await hasSession(rt.config))) redirect(`/login?next=${encodeURIComponent(`/sites/${domain}${path}`)}`);
  const site = rt.sites.get(decodeURIComponent(domain));
  if (!site) notFound();
  return { rt, site };
}
