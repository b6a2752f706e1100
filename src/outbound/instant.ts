/** Instants as mail to people writes them. */

const SHAPES = {
  year: { year: 'numeric' },
  date: { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  dateWithYear: { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

/** Built once per zone and shape: building an Intl.DateTimeFormat costs far more than using one (it was 1 % of ingest's CPU). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string, shape: keyof typeof SHAPES): Intl.DateTimeFormat {
  const key = `${shape} ${zone}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat('en-GB', { timeZone: zone, ...SHAPES[shape] });
    formatters.set(key, found);
  }
  return found;
}

/** "Monday 7 December at 09:00" in `zone`; with the year when it is not `now`'s. */
export function formatInstant(instant: Date, zone: string, now: Date): string {
  const year = (d: Date) => formatter(zone, 'year').format(d);
  return formatter(zone, year(instant) === year(now) ? 'date' : 'dateWithYear').format(instant);
}
