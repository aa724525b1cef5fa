/**
 * A session id carries its start second in the top 32 bits and a discriminator in the low 32. The sessions table is
 * ordered by (site, session id), so the sessions of a date range are a key range, and queries read a session's
 * start (whole seconds) from its id instead of merging its start state. Whoever makes session ids makes them here.
 */
export function sessionIdAt(startMs: number, discriminator: number): string {
  const seconds = BigInt(Math.max(0, Math.floor(startMs / 1000))) & 0xffffffffn;
  return ((seconds << 32n) | (BigInt(discriminator >>> 0) & 0xffffffffn)).toString();
}
