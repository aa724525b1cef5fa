import { notFound } from 'next/navigation';
import { Suspense } from 'react';
import { Dashboard } from '../../../components/dashboard/dashboard.tsx';
import { canViewShare } from '../../../server/auth.ts';
import { runtime } from '../../../server/runtime.ts';

export const dynamic = 'force-dynamic';

/** A site's dashboard behind a public link: read-only, no account; a password first if the link has one. */
export default async function SharePage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ error?: string }>;
}) {
  const { id } = await params;
  const { error } = await searchParams;
  const rt = await runtime();
  const share = rt.shares.get(id);
  const site = share ? rt.sites.get(share.site) : undefined;
  if (!share || !site) notFound();
  if (!(await canViewShare(rt.config, share))) {
    return (
      <section className="panel" style={{ maxWidth: 420, margin: '48px auto' }}>
        <h1>{site.domain}</h1>
        <form method="post" action={`/api/v1/shares/${encodeURIComponent(id)}/unlock`} className="row">
          <label htmlFor="password" className="muted">
            This dashboard is protected by a password.
          </label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
          <button type="submit">View dashboard</button>
        </form>
        {error === 'wrong' ? <p className="error">That password is not right.</p> : null}
        {error === 'wait' ? <p className="error">Too many attempts; try again in a minute.</p> : null}
      </section>
    );
  }
  return (
    <Suspense>
      <p className="muted shared-note">Shared dashboard, read-only.</p>
      <Dashboard
        site={site.domain}
        timezone={site.timezone}
        hasGoals={site.goals.length > 0}
        hasRevenue={site.goals.some((goal) => 'currency' in goal && goal.currency !== undefined)}
        share={id}
      />
    </Suspense>
  );
}
