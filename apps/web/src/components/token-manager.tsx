'use client';

import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { callApi } from './dashboard/client.ts';

interface Token {
  id: string;
  name: string;
  sites: string[];
  rate_limit_per_minute: number;
  created_at: string;
}

/** API tokens: created with a scope and a rate limit, shown once, stored hashed, revocable. */
export function TokenManager({ sites }: { sites: string[] }) {
  const [tokens, setTokens] = useState<Token[]>([]);
  const [secret, setSecret] = useState<string>();
  const [error, setError] = useState<string>();
  const load = useCallback(
    () =>
      callApi<{ tokens: Token[] }>('/api/v1/tokens', {})
        .then((body) => setTokens(body.tokens))
        .catch((e: unknown) => setError(String(e))),
    [],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      const created = await callApi<{ token: string }>(
        '/api/v1/tokens',
        {},
        {
          name: String(form.get('name') ?? ''),
          sites: form.getAll('sites').map(String),
          rate_limit_per_minute: Number(form.get('rate') ?? 600),
        },
      );
      setSecret(created.token);
      setError(undefined);
      await load();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <>
      <section className="panel" data-testid="tokens">
        <h2>API tokens</h2>
        {tokens.length === 0 ? <p className="muted">No tokens yet.</p> : null}
        <table>
          <tbody>
            {tokens.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td className="muted">{token.sites.length === 0 ? 'all sites' : token.sites.join(', ')}</td>
                <td className="muted">{token.rate_limit_per_minute}/min</td>
                <td className="num">
                  <button
                    type="button"
                    className="secondary"
                    onClick={async () => {
                      await callApi(`/api/v1/tokens/${token.id}`, {}, undefined, undefined, 'DELETE').catch(
                        () => undefined,
                      );
                      await load();
                    }}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel">
        <h2>New token</h2>
        <form className="row" onSubmit={create}>
          <input name="name" aria-label="Token name" placeholder="Name, e.g. reporting" required />
          <select name="sites" aria-label="Sites" multiple size={Math.min(4, Math.max(2, sites.length))}>
            {sites.map((site) => (
              <option key={site} value={site}>
                {site}
              </option>
            ))}
          </select>
          <input name="rate" aria-label="Requests per minute" type="number" min={1} max={100000} defaultValue={600} />
          <button type="submit">Create token</button>
        </form>
        <p className="muted">No site selected means every site.</p>
        {secret ? (
          <p role="status">
            Copy it now, it is not shown again: <code data-testid="token-secret">{secret}</code>
          </p>
        ) : null}
        {error ? <p className="error">{error}</p> : null}
      </section>
    </>
  );
}
