import { describe, expect, it } from 'vitest';
import { Priority } from '../../../src/entities/enums.js';
import { describeTarget, replyDueAt, replyOverdueSql } from '../../../src/tickets/reply-targets.js';

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

  it('give SQL a parameter per priority, in the order of the case', () => {
    const { sql, params } = replyOverdueSql(TARGETS);
    expect(sql.match(/\?/g)).toHaveLength(4);
    expect([...sql.matchAll(/when '(\w+)'/g)].map((m) => m[1])).toEqual(Object.values(Priority));
    expect(params).toEqual(Object.values(Priority).map((p) => TARGETS[p]));
  });

  it('judge at a given instant with one more parameter, after the targets', () => {
    const { sql, params } = replyOverdueSql(TARGETS, SINCE);
    expect(sql).not.toContain('now()');
    expect(sql.match(/\?/g)).toHaveLength(5);
    expect(params).toEqual([...Object.values(Priority).map((p) => TARGETS[p]), SINCE]);
  });

  it('say a target in words, in the largest unit that divides it', () => {
    expect([86_400, 3 * 86_400, 3600, 4 * 3600, 90 * 60, 60, 0].map(describeTarget)).toEqual(['1 day', '3 days', '1 hour', '4 hours', '90 minutes', '1 minute', '0 days']);
  });
});
