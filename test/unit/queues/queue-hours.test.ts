import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AROUND_THE_CLOCK, hasOwnHours, queueCalendar, queueHoursSchema, type QueueHours } from '../../../src/queues/queue-hours.js';

const schema = z.object(queueHoursSchema);
const DESK = { timezone: 'Europe/Berlin', windows: [{ day: 1, start: 540, end: 1020 }], holidays: ['2026-12-25'] };
const NONE: QueueHours = { businessHours: null, businessTimezone: null, businessHolidays: null };

describe("a queue's opening times", () => {
  it('are read as admins write them: normalised windows, "always", "none", and "" back to the desk\'s', () => {
    expect(schema.parse({ businessHours: ' mon-fri 09:00-17:00 ', businessTimezone: 'Asia/Tokyo', businessHolidays: '2026-12-26, 2026-12-25' })).toEqual({
      businessHours: 'Mon-Fri 09:00-17:00',
      businessTimezone: 'Asia/Tokyo',
      businessHolidays: ['2026-12-25', '2026-12-26'],
    });
    expect(schema.parse({ businessHours: 'Always', businessHolidays: 'NONE' })).toEqual({ businessHours: AROUND_THE_CLOCK, businessHolidays: [] });
    expect(schema.parse({ businessHours: '', businessTimezone: ' ', businessHolidays: '' })).toEqual({ businessHours: null, businessTimezone: null, businessHolidays: null });
    expect(schema.parse({})).toEqual({});
  });

  it('refuse what cannot be a calendar, saying what would be', () => {
    const problems = (input: object) => (schema.safeParse(input).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(problems({ businessHours: 'Mon 17:00-09:00' })).toEqual([expect.stringMatching(/^businessHours: .*start before it ends.*"always"/)]);
    expect(problems({ businessTimezone: 'Europe/Atlantis' })).toEqual([expect.stringMatching(/^businessTimezone: must be an IANA time zone/)]);
    expect(problems({ businessHolidays: '25.12.2026' })).toEqual([expect.stringMatching(/^businessHolidays: "25.12.2026" is not a date.*"none"/)]);
  });

  it("fill what a queue leaves unset from the desk's calendar; none anywhere is around the clock", () => {
    expect(hasOwnHours(NONE)).toBe(false);
    expect(queueCalendar(NONE, DESK)).toBe(DESK);
    expect(queueCalendar(null, null)).toBeNull();
    expect(queueCalendar({ ...NONE, businessHours: AROUND_THE_CLOCK }, DESK)).toBeNull();
    expect(queueCalendar({ ...NONE, businessTimezone: 'Asia/Tokyo' }, DESK)).toEqual({ ...DESK, timezone: 'Asia/Tokyo' });
    expect(queueCalendar({ ...NONE, businessTimezone: 'Asia/Tokyo' }, null)).toBeNull();
    expect(queueCalendar({ ...NONE, businessHours: 'Sat 10:00-12:00', businessHolidays: [] }, null)).toEqual({
      timezone: 'UTC',
      windows: [{ day: 6, start: 600, end: 720 }],
      holidays: [],
    });
  });
});
