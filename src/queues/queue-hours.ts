/**
 * A queue's own opening times for reply targets: a team in another time zone, a holiday calendar
 * of its own, or a queue that works around the clock while the rest of the desk keeps
 * BUSINESS_HOURS. Each part left unset is the desk's (BUSINESS_HOURS, BUSINESS_TIMEZONE,
 * BUSINESS_HOLIDAYS). The database computes the due instant (postdesk_queue_due,
 * Migration20261201120000_queue_business_hours); this module validates what admins set and says
 * in JavaScript which calendar a queue's tickets count in, as the database does.
 */
import { z } from 'zod';
import {
  describeOpeningWindows,
  isTimeZone,
  parseHolidays,
  parseOpeningWindows,
  type BusinessHours,
  type OpeningWindow,
} from '../config/business-hours.js';
import type { Queue } from '../entities/index.js';

/** The stored value of a queue that counts around the clock whatever the desk does. */
export const AROUND_THE_CLOCK = 'always';

/** What a queue's tickets count in; the stored columns (QueueRow's too). */
export interface QueueHours {
  readonly businessHours: string | null;
  readonly businessTimezone: string | null;
  readonly businessHolidays: readonly string[] | null;
}

/** Input as admins write it ('' goes back to the desk's), as stored values; undefined leaves a part alone. */
export const queueHoursSchema = {
  /** `Mon-Fri 09:00-17:00` (BUSINESS_HOURS form, stored normalised) or `always`. */
  businessHours: z
    .string()
    .trim()
    .transform((value, ctx) => {
      if (value === '') return null;
      if (value.toLowerCase() === AROUND_THE_CLOCK) return AROUND_THE_CLOCK;
      const windows = parseOpeningWindows(value);
      if (typeof windows !== 'string') return describeOpeningWindows(windows);
      ctx.addIssue({ code: 'custom', message: `${windows}, or "always" for around the clock, or "" for the desk's hours` });
      return z.NEVER;
    })
    .nullish(),
  businessTimezone: z
    .string()
    .trim()
    .refine((value) => value === '' || isTimeZone(value), { message: 'must be an IANA time zone such as Asia/Tokyo, or "" for the desk\'s' })
    .transform((value) => value || null)
    .nullish(),
  /** `2026-12-25, 2026-12-26` (BUSINESS_HOLIDAYS form) or `none`. */
  businessHolidays: z
    .string()
    .trim()
    .transform((value, ctx) => {
      if (value === '') return null;
      if (value.toLowerCase() === 'none') return [];
      const dates = parseHolidays(value);
      if (typeof dates !== 'string') return [...dates];
      ctx.addIssue({ code: 'custom', message: `${dates}, or "none", or "" for the desk's holidays` });
      return z.NEVER;
    })
    .nullish(),
};

/** Sets the parts `input` names (parsed by queueHoursSchema); `change` hears each real change (old → new, in words). */
export function applyQueueHours(
  queue: Queue,
  input: { businessHours?: string | null; businessTimezone?: string | null; businessHolidays?: string[] | null },
  change: (field: string, from: string | null, to: string | null) => void,
): void {
  if (input.businessHours !== undefined && input.businessHours !== queue.businessHours) {
    change('businessHours', queue.businessHours, input.businessHours);
    queue.businessHours = input.businessHours;
    const windows = input.businessHours === null || input.businessHours === AROUND_THE_CLOCK ? null : (parseOpeningWindows(input.businessHours) as readonly OpeningWindow[]);
    queue.businessDays = windows?.map((w) => w.day) ?? null;
    queue.businessStarts = windows?.map((w) => w.start) ?? null;
    queue.businessEnds = windows?.map((w) => w.end) ?? null;
  }
  if (input.businessTimezone !== undefined && input.businessTimezone !== queue.businessTimezone) {
    change('businessTimezone', queue.businessTimezone, input.businessTimezone);
    queue.businessTimezone = input.businessTimezone;
  }
  const holidays = (dates: readonly string[] | null) => (dates === null ? null : dates.join(', ') || 'none');
  if (input.businessHolidays !== undefined && holidays(input.businessHolidays) !== holidays(queue.businessHolidays)) {
    change('businessHolidays', holidays(queue.businessHolidays), holidays(input.businessHolidays));
    queue.businessHolidays = input.businessHolidays;
  }
}

/** Whether a queue sets any part of its own calendar (the database asks postdesk_queue_due only for those). */
export function hasOwnHours(queue: QueueHours): boolean {
  return queue.businessHours !== null || queue.businessTimezone !== null || queue.businessHolidays !== null;
}

/** The calendar a queue's tickets count in: its own parts, the desk's for the rest; null: around the clock. */
export function queueCalendar(queue: QueueHours | null, desk: BusinessHours | null): BusinessHours | null {
  if (!queue || !hasOwnHours(queue)) return desk;
  if (queue.businessHours === AROUND_THE_CLOCK) return null;
  const windows = queue.businessHours === null ? desk?.windows : (parseOpeningWindows(queue.businessHours) as readonly OpeningWindow[]);
  if (!windows) return null;
  return { windows, timezone: queue.businessTimezone ?? desk?.timezone ?? 'UTC', holidays: queue.businessHolidays ?? desk?.holidays ?? [] };
}
