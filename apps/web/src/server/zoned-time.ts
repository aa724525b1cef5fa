/** Milliseconds since the epoch of midnight starting `day` (YYYY-MM-DD) in an IANA time zone. */
export function startOfDayIn(timezone: string, day: string): number {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  // The zone's offset at that instant, then once more at the corrected instant (a DST change near midnight).
  let guess = utcMidnight - offsetAt(timezone, utcMidnight);
  guess = utcMidnight - offsetAt(timezone, guess);
  return guess;
}

function offsetAt(timezone: string, instant: number): number {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' })
      .formatToParts(instant)
      .find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d\d):(\d\d)/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return (match[1] === '-' ? -minutes : minutes) * 60_000;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
