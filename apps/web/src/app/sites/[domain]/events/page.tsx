import { Suspense } from 'react';
import { EventExplorer } from '../../../../components/event-explorer.tsx';
import { SiteNav } from '../../../../components/site-nav.tsx';
import { requireSite } from '../../../../server/pages.ts';

export const dynamic = 'force-dynamic';

export default async function EventsPage({ params }: { params: Promise<{ domain: string }> }) {
  const { domain } = await params;
  const { site } = await requireSite(domain, '/events');
  return (
    <Suspense>
      <div className="row" style={{ marginBottom: 12 }}>
        <SiteNav site={site.domain} />
      </div>
      <EventExplorer site={site.domain} />
    </Suspense>
  );
}
