/**
 * A dynamic path segment as text. Depending on the route kind, Next.js hands it over decoded or still
 * percent-encoded, so it is decoded here once more; a site domain or id holds no `%`, so nothing real is decoded
 * twice. A sequence that does not decode (`%ff`, `%C0%AE`, a lone `%`) names nothing: the caller's 404.
 */
export function segment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
