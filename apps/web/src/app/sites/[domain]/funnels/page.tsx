import { Suspense } from 'react';
import { FunnelView } from '../../../../components/funnel-view.tsx';
import { SiteNav } from '../../../../components/site-nav.tsx';
import { requireSite } from '../../../../server/pages.ts';

export const dynamic = 'force-dynamic';

export default async function FunnelsPage({ params }: { params: Promise<{ domain: string }> }) {
  const { domain } = await params;
  const { site } = await requireSite(domain, '/funnels');
  return (
    <Suspense>
      <div className="row" style={{ marginBottom: 12 }}>
        <SiteNav site={site.domain} />
      </div>
      <FunnelView site={site.domain} />
    </Suspense>
  );
}
