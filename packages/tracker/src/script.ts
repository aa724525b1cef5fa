import { createTracker, type EventOptions } from './core.ts';

/**
 * The script-tag build: `<script defer data-site="example.com" src="https://COLLECTOR/t.js"></script>`.
 * Calls made before it loaded are queued by the stub `window.tern = window.tern || function () {
 * (tern.q = tern.q || []).push(arguments) }` and replayed here.
 */
type Stub = ((...args: unknown[]) => void) & { q?: IArguments[] | unknown[][] };

try {
  const script = document.currentScript as HTMLScriptElement | null;
  const site = script?.dataset.site;
  const endpoint = script?.dataset.api ?? (script ? new URL(script.src).origin : '');
  const w = window as unknown as { tern?: Stub };
  const queued = w.tern?.q ?? [];
  if (site && endpoint) {
    const tracker = createTracker({ site, endpoint });
    const call = (name: unknown, options?: unknown) => {
      try {
        const opts = (options ?? {}) as EventOptions;
        if (name === 'pageview') tracker.pageview(opts);
        else if (typeof name === 'string') tracker.track(name, opts);
      } catch {}
    };
    w.tern = call as Stub;
    for (const args of queued) call(args[0], args[1]);
    const page = () => tracker.pageview();
    const history = window.history;
    for (const method of ['pushState', 'replaceState'] as const) {
      const original = history[method];
      history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
        original.apply(this, args);
        page();
      };
    }
    addEventListener('popstate', page);
    addEventListener('pagehide', () => tracker.flush());
    page();
  }
} catch {}
