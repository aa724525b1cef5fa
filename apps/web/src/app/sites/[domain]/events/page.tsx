import { notFound, redirect } from 'next/navigation';
import { Suspense } from 'react';
import { EventExplorer } from '../../../../components/event-explorer.tsx';
import { SiteNav } from '../../../../components/site-nav.tsx';
import { hasSession } from '../../../../server/auth.ts';
import { runtime } from '../../../../server/runtime.ts';

export const dynamic = 'force-dynamic';

export default async function EventsPage({ params }: { params: Promise<{ domain: string }> }) {
  const { domain } = await params;
  const rt = await runtime();
  if (!(await hasSession(rt.config))) redirect(`/login?next=${encodeURIComponent(`/sites/${domain}/events`)}`);
  const site = rt.sites.get(decodeURIComponent(domain));
  if (!site) notFound();
  return (
    <Suspense>
      <div className="row" style={{ marginBottom: 12 }}>
        <SiteNav site={site.domain} />
      </div>
      <EventExplorer site={site.domain} />
    </Suspense>
  );
}
