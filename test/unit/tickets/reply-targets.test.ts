import { describe, expect, it } from 'vitest';
import { describeOpeningWindows, parseOpeningWindows, type OpeningWindow } from '../../../src/config/business-hours.js';
import { Priority } from '../../../src/entities/enums.js';
import { describeReplyTarget, describeReplyTargets, describeTarget, numbered, replyDueAt, replyDueSql, replyOverdueSql } from '../../../src/tickets/reply-targets.js';

const TARGETS = { URGENT: 3600, HIGH: null, NORMAL: 86_400, LOW: null };
const SINCE = new Date('2026-11-30T09:00:00Z');

describe('reply targets', () => {
  it('make a reply due at the wait plus the priority’s target', () => {
    expect(replyDueAt(SINCE, Priority.URGENT, TARGETS)).toEqual(new Date('2026-11-30T10:00:00Z'));
    expect(replyDueAt(SINCE, Priority.NORMAL, TARGETS)).toEqual(new Date('2026-12-01T09:00:00Z'));
  });

  it('make nothing due when nobody waits or the priority has no target', () => {
    expect(replyDueAt(null, Priority.URGENT, TARGETS)).toBeNull();
    expect(replyDueAt(SINCE, Priority.HIGH, TARGETS)).toBeNull();
  });

  it('give SQL one parameter per placeholder, each priority\'s target in the order of its case', () => {
    const { sql, params } = replyOverdueSql({ replyTargets: TARGETS, businessHours: null });
    expect(sql.match(/\?/g)).toHaveLength(params.length);
    expect([...sql.matchAll(/when '(\w+)'/g)].slice(0, 4).map((m) => m[1])).toEqual(Object.values(Priority));
    expect(params.slice(0, 4)).toEqual(Object.values(Priority).map((p) => TARGETS[p]));
    // Tickets of a queue with its own calendar are asked of the database, even without BUSINESS_HOURS.
    expect(sql).toContain('postdesk_queue_due(');
    expect(sql).not.toContain('postdesk_business_due(');
  });

  it('judge at a given instant: every comparison with that instant, in the order of the placeholders', () => {
    const { sql, params } = replyOverdueSql({ replyTargets: TARGETS, businessHours: null }, SINCE);
    expect(sql).not.toContain('now()');
    expect(sql.match(/\?/g)).toHaveLength(params.length);
    const casts = [...sql.matchAll(/\?::([\w[\]]+)/g)].map((m) => m[1]);
    expect(casts.flatMap((cast, i) => (cast === 'timestamptz' ? [params[i]] : []))).toEqual([SINCE, SINCE]);
  });

  it('with business hours, ask the database for opening time except for URGENT, after the around-the-clock test', () => {
    const businessHours = { timezone: 'Europe/Berlin', windows: [{ day: 1, start: 540, end: 1020 }, { day: 2, start: 540, end: 1020 }], holidays: ['2026-12-25'] };
    const { sql, params } = replyOverdueSql({ replyTargets: TARGETS, businessHours }, SINCE);
    expect(sql.indexOf('make_interval')).toBeLessThan(sql.indexOf('postdesk_business_due'));
    expect(sql).toContain("when t.priority::text = 'URGENT' then");
    expect(sql.match(/\?/g)).toHaveLength(params.length);
    expect(params).toEqual(expect.arrayContaining(['Europe/Berlin', '{1,2}', '{540,540}', '{1020,1020}', '{2026-12-25}']));
  });

  it('number $n parameters from the first free one', () => {
    const p = numbered(6);
    const sql = replyDueSql({ replyTargets: TARGETS, businessHours: null }, p, 'w.created_at', 'w.priority', 'w.queue_id');
    const numbers = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
    expect(numbers).toEqual(p.values.map((_, i) => 6 + i));
    expect(p.values.slice(0, 4)).toEqual(Object.values(Priority).map((level) => TARGETS[level]));
    expect(sql).toContain('postdesk_queue_due(w.created_at, ');
  });

  it('say a target in words, with "of opening time" when business hours count for the priority', () => {
    const businessHours = { timezone: 'UTC', windows: [{ day: 1, start: 540, end: 1020 }], holidays: [] };
    expect(describeReplyTarget({ replyTargets: TARGETS, businessHours: null }, Priority.NORMAL)).toBe('1 day');
    expect(describeReplyTarget({ replyTargets: TARGETS, businessHours }, Priority.NORMAL)).toBe('1 day of opening time');
    expect(describeReplyTarget({ replyTargets: TARGETS, businessHours }, Priority.URGENT)).toBe('1 hour');
    expect(describeReplyTarget({ replyTargets: TARGETS, businessHours }, Priority.HIGH)).toBeNull();
  });

  it('say every target and how it counts, for postdesk check', () => {
    expect(describeReplyTargets({ replyTargets: TARGETS, businessHours: null })).toBe('URGENT 1 hour, HIGH off, NORMAL 1 day, LOW off; around the clock');
    const businessHours = { timezone: 'Europe/Berlin', windows: parseOpeningWindows('Mon-Thu 08:00-12:00 13:00-17:00, Fri 08:00-14:00, Sun 10:00-11:00') as OpeningWindow[], holidays: ['2026-12-24', '2026-12-25'] };
    expect(describeReplyTargets({ replyTargets: TARGETS, businessHours })).toBe(
      'URGENT 1 hour, HIGH off, NORMAL 1 day, LOW off; in opening time Mon-Thu 08:00-12:00 13:00-17:00, Fri 08:00-14:00, Sun 10:00-11:00 (Europe/Berlin, 2 holidays) except URGENT',
    );
  });

  it('write opening windows back as they are configured, whatever the order given', () => {
    for (const [given, described] of [
      ['Mon-Fri 09:00-17:00', 'Mon-Fri 09:00-17:00'],
      ['Fri-Mon 10:00-24:00', 'Mon 10:00-24:00, Fri-Sun 10:00-24:00'],
      ['Tue 13:00-17:00 09:00-12:00, Mon 09:00-12:00 13:00-17:00', 'Mon-Tue 09:00-12:00 13:00-17:00'],
    ]) {
      expect(describeOpeningWindows(parseOpeningWindows(given!) as OpeningWindow[]), given).toBe(described);
    }
  });

  it('say a target in words, in the largest unit that divides it', () => {
    expect([86_400, 3 * 86_400, 3600, 4 * 3600, 90 * 60, 60, 0].map(describeTarget)).toEqual(['1 day', '3 days', '1 hour', '4 hours', '90 minutes', '1 minute', '0 days']);
  });
});
