import { DEFAULT_DOWNLOADS, replay } from './logic.ts';
import { startTracker, type Track } from './tracker.ts';

/**
 * The script-tag build: `<script defer data-site="example.com" src="https://COLLECTOR/t.js"></script>`.
 * Calls made before it loaded are queued by the stub
 * `window.tern = window.tern || function () { (tern.q = tern.q || []).push(arguments) }` and replayed here.
 */
type Stub = Track & { q?: Iterable<Iterable<unknown>> };

declare const __FULL__: boolean;

try {
  const script = document.currentScript as HTMLScriptElement;
  const ds = script.dataset;
  const w = window as unknown as { tern?: Stub };
  const queued = w.tern?.q;
  const track = startTracker({
    site: ds.site as string,
    endpoint: `${ds.api || new URL(script.src).origin}/v1/events`,
    manual: 'manual' in ds,
    local: 'local' in ds,
    respectDnt: 'respectDnt' in ds,
    ...(__FULL__ && {
      hash: 'hash' in ds,
      outbound: !('noOutbound' in ds),
      downloads: 'noDownloads' in ds ? '' : ds.downloadExtensions || DEFAULT_DOWNLOADS,
      forms: !('noForms' in ds),
      engagement: !('noEngagement' in ds),
      notFound: '404' in ds || !!document.querySelector('meta[name="tern:404"]'),
    }),
  });
  w.tern = track;
  replay(queued, track as (...args: unknown[]) => void);
} catch {}
