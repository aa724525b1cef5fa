/** Next.js calls this once per server start: the pipeline's web side starts with the server. */
export async function register(): Promise<void> {
  // NEXT_RUNTIME is a build-time constant that Next.js replaces, not configuration: written inline, it
  // lets the bundler drop the Node-only runtime from the Edge build.
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { startRuntime } = await import('./server/runtime.ts');
    await startRuntime();
  }
}
