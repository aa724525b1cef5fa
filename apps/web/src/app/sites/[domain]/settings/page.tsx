import { Suspense } from 'react';
import { SiteNav } from '../../../../components/site-nav.tsx';
import { SiteSettings } from '../../../../components/site-settings.tsx';
import { snippetFor } from '../../../../components/snippet.ts';
import { requireSite } from '../../../../server/pages.ts';

export const dynamic = 'force-dynamic';

export default async function SettingsPage({ params }: { params: Promise<{ domain: string }> }) {
  const { domain } = await params;
  const { rt, site } = await requireSite(domain, '/settings');
  return (
    <Suspense>
      <div className="row" style={{ marginBottom: 12 }}>
        <SiteNav site={site.domain} />
      </div>
      <SiteSettings
        site={site.domain}
        timezone={site.timezone}
        goals={site.goals}
        snippet={snippetFor(site.domain, rt.config.collectorPublicUrl)}
      />
    </Suspense>
  );
}
