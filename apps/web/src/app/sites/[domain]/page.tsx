import { notFound, redirect } from 'next/navigation';
import { Dashboard } from '../../../components/dashboard.tsx';
import { snippetFor } from '../../../components/snippet.ts';
import { hasSession } from '../../../server/auth.ts';
import { runtime } from '../../../server/runtime.ts';

export const dynamic = 'force-dynamic';

export default async function SitePage({ params }: { params: Promise<{ domain: string }> }) {
  const { domain } = await params;
  const rt = await runtime();
  const decoded = decodeURIComponent(domain);
  if (!(await hasSession(rt.config))) redirect(`/login?next=${encodeURIComponent(`/sites/${domain}`)}`);
  const site = rt.sites.get(decoded);
  if (!site) notFound();
  return (
    <Dashboard
      site={site.domain}
      timezone={site.timezone}
      snippet={snippetFor(site.domain, rt.config.collectorPublicUrl)}
    />
  );
}
