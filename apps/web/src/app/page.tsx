import { redirect } from 'next/navigation';
import { AddSiteForm } from '../components/add-site-form.tsx';
import { hasSession } from '../server/auth.ts';
import { runtime } from '../server/runtime.ts';

export const dynamic = 'force-dynamic';

export default async function SitesPage() {
  const rt = await runtime();
  if (!(await hasSession(rt.config))) redirect('/login');
  const sites = rt.sites.list();
  return (
    <>
      <h1>Sites</h1>
      <section className="panel">
        {sites.length === 0 ? (
          <p className="muted">No sites yet. Add your first one below, then paste its snippet into your pages.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Domain</th>
                <th>Time zone</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {sites.map((site) => (
                <tr key={site.domain}>
                  <td>
                    <a href={`/sites/${encodeURIComponent(site.domain)}`}>{site.domain}</a>
                  </td>
                  <td className="muted">{site.timezone}</td>
                  <td className="num">
                    <a href={`/sites/${encodeURIComponent(site.domain)}`}>Dashboard →</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <AddSiteForm collectorUrl={rt.config.collectorPublicUrl} />
    </>
  );
}
