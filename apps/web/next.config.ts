import type { NextConfig } from 'next';

const config: NextConfig = {
  // Native or Node-only modules are loaded by Node itself, not bundled: chDB must be (it binds one data
  // directory per process), and the stream backends hold sockets and file handles.
  serverExternalPackages: ['chdb', 'kafkajs', 'better-sqlite3', 'pino', 'prom-client', '@clickhouse/client'],
  transpilePackages: [
    '@tern/service',
    '@tern/events',
    '@tern/stream',
    '@tern/control',
    '@tern/warehouse',
    '@tern/ingest',
  ],
  poweredByHeader: false,
  experimental: {
    // src/proxy.ts runs for a few routes with small bodies; Next.js buffers a request's body for a proxy, and this
    // bounds what it buffers (10 MB by default) before the route's own limit judges it.
    proxyClientMaxBodySize: '256kb',
  },
  reactStrictMode: true,
};

export default config;
