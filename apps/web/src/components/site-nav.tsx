'use client';

import { usePathname, useSearchParams } from 'next/navigation';

const PAGES = [
  ['', 'Dashboard'],
  ['/events', 'Events'],
  ['/funnels', 'Funnels'],
  ['/settings', 'Settings'],
] as const;

/** The site's pages; the dashboard's period and filters travel along to the event explorer and back. */
export function SiteNav({ site }: { site: string }) {
  const pathname = usePathname();
  const search = useSearchParams().toString();
  const base = `/sites/${encodeURIComponent(site)}`;
  return (
    <nav className="site-nav" aria-label="Site">
      {PAGES.map(([path, label]) => {
        const href = `${base}${path}`;
        const keep = path === '' || path === '/events';
        return (
          <a
            key={path}
            href={keep && search ? `${href}?${search}` : href}
            aria-current={pathname === href ? 'page' : undefined}
          >
            {label}
          </a>
        );
      })}
    </nav>
  );
}
