import { Suspense } from 'react';
import { Dashboard } from '../../../components/dashboard/dashboard.tsx';
import { SiteNav } from '../../../components/site-nav.tsx';
import { snippetFor } from '../../../components/snippet.ts';
import { requireSite } from '../../../server/pages.ts';

export const dynamic = 'force-dynamic';

export default async function SitePage({ params }: { params: Promise<{ domain: string }> }) {
  const { domain } = await params;
  const { rt, site } = await requireSite(domain);
  return (
    <Suspense>
      <Dashboard
        site={site.domain}
        timezone={site.timezone}
        hasGoals={site.goals.length > 0}
        hasRevenue={site.goals.some((goal) => 'currency' in goal && goal.currency !== undefined)}
        snippet={snippetFor(site.domain, rt.config.collectorPublicUrl)}
        nav={<SiteNav site={site.domain} />}
      />
    </Suspense>
  );
}
