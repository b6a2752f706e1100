/**
 * Business hours (BUSINESS_HOURS, BUSINESS_TIMEZONE, BUSINESS_HOLIDAYS): the weekly opening times
 * reply targets count in, so a mail on Friday evening is not overdue on Saturday morning.
 *
 * `Mon-Fri 09:00-17:00` or `Mon-Thu 08:00-12:00 13:00-17:00, Fri 08:00-14:00`: comma-separated
 * entries, each a day or a range of days (Mon … Sun; `Fri-Mon` wraps) and one or more HH:MM-HH:MM
 * windows within the day (24:00 ends a day). Windows of one day may not overlap. Holidays are
 * YYYY-MM-DD dates, closed all day, in the business time zone.
 */

export interface OpeningWindow {
  /** ISO weekday: 1 Monday … 7 Sunday. */
  readonly day: number;
  /** Minutes after local midnight. */
  readonly start: number;
  readonly end: number;
}

export interface BusinessHours {
  /** IANA time zone name the windows and holidays are in. */
  readonly timezone: string;
  /** Sorted by day, then start. */
  readonly windows: readonly OpeningWindow[];
  /** YYYY-MM-DD, sorted. */
  readonly holidays: readonly string[];
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const ENTRY = /^([a-z]{3})(?:-([a-z]{3}))?((?:\s+\d{2}:\d{2}-\d{2}:\d{2})+)$/i;
const WINDOW = /(\d{2}):(\d{2})-(\d{2}):(\d{2})/g;

function minutes(hours: string, mins: string): number | null {
  const h = Number(hours);
  const m = Number(mins);
  if (m > 59 || h > 24 || (h === 24 && m > 0)) return null;
  return h * 60 + m;
}

/** The days from `first` to `last` (ISO numbers), wrapping past Sunday. */
function dayRange(first: number, last: number): number[] {
  const days = [first];
  for (let day = first; day !== last; ) days.push((day = (day % 7) + 1));
  return days;
}

/** Windows sorted by day and start, or the problem with `value` in words. */
export function parseOpeningWindows(value: string): readonly OpeningWindow[] | string {
  const windows: OpeningWindow[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    const match = ENTRY.exec(entry);
    const first = match ? DAYS.indexOf(match[1]!.toLowerCase()) + 1 : 0;
    const last = match?.[2] ? DAYS.indexOf(match[2].toLowerCase()) + 1 : first;
    if (!match || first === 0 || last === 0) return `"${entry}" must look like Mon-Fri 09:00-17:00 (days Mon … Sun, one or more HH:MM-HH:MM windows)`;
    for (const [, h1, m1, h2, m2] of match[3]!.matchAll(WINDOW)) {
      const start = minutes(h1!, m1!);
      const end = minutes(h2!, m2!);
      if (start === null || end === null || start >= end) return `"${entry}": each window must start before it ends, within 00:00-24:00`;
      for (const day of dayRange(first, last)) windows.push({ day, start, end });
    }
  }
  windows.sort((a, b) => a.day - b.day || a.start - b.start);
  for (let i = 1; i < windows.length; i++) {
    const [before, after] = [windows[i - 1]!, windows[i]!];
    if (before.day === after.day && after.start < before.end) return `${DAYS[after.day - 1]![0]!.toUpperCase()}${DAYS[after.day - 1]!.slice(1)} has overlapping windows`;
  }
  return Object.freeze(windows);
}

/** Sorted YYYY-MM-DD dates, or the problem in words. */
export function parseHolidays(value: string): readonly string[] | string {
  const dates = value.split(',').map((d) => d.trim());
  for (const date of dates) {
    const parsed = new Date(`${date}T00:00:00Z`);
    const valid = /^\d{4}-\d{2}-\d{2}$/.test(date) && !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(date);
    if (!valid) return `"${date}" is not a date like 2026-12-25`;
  }
  if (dates.length > 1000) return 'must list at most 1000 dates';
  return Object.freeze([...new Set(dates)].sort());
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const clock = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Windows back in BUSINESS_HOURS form, consecutive days with the same windows as one range: `Mon-Fri 09:00-17:00, Sat 10:00-14:00`. */
export function describeOpeningWindows(windows: readonly OpeningWindow[]): string {
  const byDay = [1, 2, 3, 4, 5, 6, 7].map((day) =>
    windows
      .filter((w) => w.day === day)
      .map((w) => `${clock(w.start)}-${clock(w.end)}`)
      .join(' '),
  );
  const name = (day: number) => `${DAYS[day - 1]![0]!.toUpperCase()}${DAYS[day - 1]!.slice(1)}`;
  const entries: string[] = [];
  for (let day = 1; day <= 7; day++) {
    if (!byDay[day - 1]) continue;
    let last = day;
    while (last < 7 && byDay[last] === byDay[day - 1]) last++;
    entries.push(`${name(day)}${last > day ? `-${name(last)}` : ''} ${byDay[day - 1]}`);
    day = last;
  }
  return entries.join(', ');
}
