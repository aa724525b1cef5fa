import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = { title: 'Tern analytics', description: 'Privacy-friendly, real-time web analytics' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <a href="/" className="brand">
            tern
          </a>
          <span className="tagline">real-time analytics</span>
          <nav className="top-nav">
            <a href="/">Sites</a>
            <a href="/tokens">API tokens</a>
          </nav>
        </header>
        <main className="page">{children}</main>
      </body>
    </html>
  );
}
