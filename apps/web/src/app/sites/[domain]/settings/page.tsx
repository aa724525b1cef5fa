import { notFound, redirect } from 'next/navigation';
import { Suspense } from 'react';
import { SiteNav } from '../../../../components/site-nav.tsx';
import { SiteSettings } from '../../../../components/site-settings.tsx';
import { snippetFor } from '../../../../components/snippet.ts';
import { hasSession } from '../../../../server/auth.ts';
import { runtime } from '../../../../server/runtime.ts';

export const dynamic = 'force-dynamic';

export default async function SettingsPage({ params }: { params: Promise<{ domain: string }> }) {
  const { domain } = await params;
  const rt = await runtime();
  if (!(await hasSession(rt.config))) redirect(`/login?next=${encodeURIComponent(`/sites/${domain}/settings`)}`);
  const site = rt.sites.get(decodeURIComponent(domain));
  if (!site) notFound();
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
