/** Instants as mail to people writes them. */

/** "Monday 7 December at 09:00" in `zone`; with the year when it is not `now`'s. */
export function formatInstant(instant: Date, zone: string, now: Date): string {
  const year = (d: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric' }).format(d);
  const options: Intl.DateTimeFormatOptions = { timeZone: zone, weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (year(instant) !== year(now)) options.year = 'numeric';
  return new Intl.DateTimeFormat('en-GB', options).format(instant);
}
