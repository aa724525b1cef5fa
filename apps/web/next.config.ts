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
  reactStrictMode: true,
};

export default config;
