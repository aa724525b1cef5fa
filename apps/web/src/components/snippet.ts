export function snippetFor(domain: string, collectorUrl: string): string {
  return `<script defer data-site="${domain}" src="${collectorUrl}/t.js"></script>`;
}
