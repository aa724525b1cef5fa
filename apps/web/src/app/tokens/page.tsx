import { redirect } from 'next/navigation';
import { TokenManager } from '../../components/token-manager.tsx';
import { hasSession } from '../../server/auth.ts';
import { runtime } from '../../server/runtime.ts';

export const dynamic = 'force-dynamic';

export default async function TokensPage() {
  const rt = await runtime();
  if (!(await hasSession(rt.config))) redirect('/login?next=/tokens');
  return (
    <>
      <h1>API tokens</h1>
      <TokenManager sites={rt.sites.list().map((site) => site.domain)} />
    </>
  );
}
