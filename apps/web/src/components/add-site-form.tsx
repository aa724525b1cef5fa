'use client';

import { type FormEvent, useState } from 'react';
import { InstallationCheck } from './site-settings.tsx';
import { snippetFor } from './snippet.ts';

export function AddSiteForm({ collectorUrl }: { collectorUrl: string }) {
  const [error, setError] = useState<string>();
  const [added, setAdded] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const response = await fetch('/api/v1/sites', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: String(form.get('domain') ?? ''), timezone }),
    });
    setBusy(false);
    const body = (await response.json()) as { domain?: string; error?: { message: string } };
    if (!response.ok) return setError(body.error?.message ?? 'could not add the site');
    setAdded(body.domain);
  }

  return (
    <section className="panel">
      <h2>Add a site</h2>
      <form onSubmit={submit} className="row">
        <input name="domain" placeholder="example.com" aria-label="Domain" required />
        <button type="submit" disabled={busy}>
          {busy ? 'Adding…' : 'Add site'}
        </button>
      </form>
      {error ? <p className="error">{error}</p> : null}
      {added ? (
        <div>
          <p>
            Added <strong>{added}</strong>. <a href={`/sites/${encodeURIComponent(added)}`}>Open its dashboard</a> or{' '}
            <a href={`/sites/${encodeURIComponent(added)}/settings`}>add goals</a>.
          </p>
          <InstallationCheck site={added} snippet={snippetFor(added, collectorUrl)} />
        </div>
      ) : null}
    </section>
  );
}
