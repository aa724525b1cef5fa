export const dynamic = 'force-dynamic';

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ error?: string; next?: string }>;
}) {
  const { error, next } = await searchParams;
  return (
    <section className="panel" style={{ maxWidth: 420, margin: '48px auto' }}>
      <h1>Log in</h1>
      <form
        method="post"
        action="/api/v1/session"
        className="row"
        style={{ flexDirection: 'column', alignItems: 'stretch' }}
      >
        <label htmlFor="token" className="muted">
          Admin token (printed by <code>npm start</code>, or the ADMIN_TOKEN you set), or ADMIN_PASSWORD
        </label>
        <input id="token" name="token" type="password" autoComplete="current-password" required />
        <input type="hidden" name="next" value={next ?? '/'} />
        {error ? <p className="error">That token is not right.</p> : null}
        <button type="submit">Log in</button>
      </form>
    </section>
  );
}
