/** Instants and durations as mail to people writes them. */
import { durationParts } from '../tickets/reply-targets.js';

const SHAPES = {
  year: { year: 'numeric' },
  date: { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  dateWithYear: { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

/** How dates are written when the mail's language is the desk's default. */
const DEFAULT_LOCALE = 'en-GB';

/** Built once per language, zone and shape: building an Intl.DateTimeFormat costs far more than using one (it was 1 % of ingest's CPU). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string, shape: keyof typeof SHAPES, locale: string): Intl.DateTimeFormat {
  const key = `${shape} ${zone} ${locale}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, { timeZone: zone, ...SHAPES[shape] });
    formatters.set(key, found);
  }
  return found;
}

/**
 * "Monday 7 December at 09:00" in `zone`; with the year when it is not `now`'s. In a language
 * (a BCP 47 tag) as its readers write dates: "Montag, 7. Dezember um 09:00" in de.
 */
export function formatInstant(instant: Date, zone: string, now: Date, language: string | null = null): string {
  const locale = language ?? DEFAULT_LOCALE;
  const year = (d: Date) => formatter(zone, 'year', locale).format(d);
  return formatter(zone, year(instant) === year(now) ? 'date' : 'dateWithYear', locale).format(instant);
}

const units = new Map<string, Intl.NumberFormat>();

/** A reply target in words, as whole days, hours or minutes: "4 hours", "1 Tag". */
export function formatDuration(seconds: number, language: string | null = null): string {
  const [amount, unit] = durationParts(seconds);
  const locale = language ?? DEFAULT_LOCALE;
  const key = `${unit} ${locale}`;
  let format = units.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' });
    units.set(key, format);
  }
  return format.format(amount);
}
