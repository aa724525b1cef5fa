import { notFound, redirect } from 'next/navigation';
import { Suspense } from 'react';
import { Dashboard } from '../../../components/dashboard/dashboard.tsx';
import { SiteNav } from '../../../components/site-nav.tsx';
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
    <Suspense>
      <Dashboard
        site={site.domain}
        timezone={site.timezone}
        hasGoals={site.goals.length > 0}
        snippet={snippetFor(site.domain, rt.config.collectorPublicUrl)}
        nav={<SiteNav site={site.domain} />}
      />
    </Suspense>
  );
}
