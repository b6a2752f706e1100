/**
 * Reply targets counted in business hours (BUSINESS_HOURS, BUSINESS_TIMEZONE, BUSINESS_HOLIDAYS),
 * on a real PostgreSQL: the database's postdesk_business_due over weekends, holidays, lunch
 * breaks, a daylight-saving change and URGENT's around-the-clock count; then through the API
 * (Ticket.replyDueAt, the replyOverdue filter and count, ticketStats, the metric) of a gateway whose
 * desk opens one hour a week, so a customer waiting two hours is not overdue yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusinessHours } from '../../../src/config/business-hours.js';
import { parseHolidays, parseOpeningWindows } from '../../../src/config/business-hours.js';
import { Priority } from '../../../src/entities/enums.js';
import { questionMarks, replyDueSql, replyOverdueSql, type ReplyClock } from '../../../src/tickets/reply-targets.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { queryDatabase } from '../../harness/eventually.js';
import { gqlData } from '../../harness/graphql-client.js';
import { createIngestHarness, type IngestHarness } from '../../harness/ingest.js';
import { buildMail } from '../../harness/mail.js';
import { parseMetrics, sample } from '../../harness/metrics.js';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HOUR = 3600;
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
/** The weekday three days from now (UTC): a desk open only then is closed now and for days before. */
const OPEN_DAY = DAYS[(new Date(Date.now() + 3 * 86_400_000).getUTCDay() + 6) % 7]!;

let gw: TestApp;
let h: IngestHarness;

function hours(windows: string, timezone = 'Europe/Berlin', holidays = ''): BusinessHours {
  return { timezone, windows: parseOpeningWindows(windows) as BusinessHours['windows'], holidays: holidays ? (parseHolidays(holidays) as string[]) : [] };
}

/** The due instant the database computes for a wait starting at `since` (ISO) with `priority` and `target` seconds. */
async function due(businessHours: BusinessHours | null, since: string, target: number, priority = Priority.NORMAL): Promise<string | null> {
  const clock: ReplyClock = { replyTargets: { URGENT: target, HIGH: target, NORMAL: target, LOW: null }, businessHours };
  const p = questionMarks();
  const wait = `with x as (select ${p.bind(since, 'timestamptz')} as since, ${p.bind(priority, 'text')} as priority)`;
  const [row] = await h.orm.em.fork().execute<{ due: Date | null }[]>(`${wait} select ${replyDueSql(clock, p, 'x.since', 'x.priority')} as due from x`, p.values);
  return row?.due ? new Date(row.due).toISOString() : null;
}

beforeAll(async () => {
  gw = await startTestApp({ BUSINESS_HOURS: `${OPEN_DAY} 09:00-10:00`, BUSINESS_TIMEZONE: 'UTC', REPLY_TARGETS: 'URGENT=1h,HIGH=1h,NORMAL=1h,LOW=off' });
  h = await createIngestHarness({}, gw.databaseUrl);
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

describe('postdesk_business_due', () => {
  const berlin = hours('Mon-Fri 09:00-17:00', 'Europe/Berlin', '2026-12-25');

  it('counts opening time only: over the weekend, from before opening, inside a window, to the minute of closing', async () => {
    // Friday 16:00 in Berlin (15:00Z) + 4 h: one hour on Friday, three on Monday → Monday 12:00 Berlin.
    expect(await due(berlin, '2026-11-27T15:00:00Z', 4 * HOUR)).toBe('2026-11-30T11:00:00.000Z');
    // Monday 10:00 → 14:00 the same day; Monday 07:00 (closed) + 1 h → 10:00; Saturday noon + 1 h → Monday 10:00.
    expect(await due(berlin, '2026-11-30T09:00:00Z', 4 * HOUR)).toBe('2026-11-30T13:00:00.000Z');
    expect(await due(berlin, '2026-11-30T06:00:00Z', 1 * HOUR)).toBe('2026-11-30T09:00:00.000Z');
    expect(await due(berlin, '2026-11-28T11:00:00Z', 1 * HOUR)).toBe('2026-11-30T09:00:00.000Z');
    // Friday 13:00 + 4 h ends at closing time, not on Monday.
    expect(await due(berlin, '2026-11-27T12:00:00Z', 4 * HOUR)).toBe('2026-11-27T16:00:00.000Z');
    // "1 day" is 24 hours of opening time: three 8-hour days.
    expect(await due(berlin, '2026-11-30T08:00:00Z', 24 * HOUR)).toBe('2026-12-02T16:00:00.000Z');
  });

  it('skips holidays, lunch breaks, and follows the time zone across a daylight-saving change', async () => {
    // Thursday 24 December 16:00 + 2 h: one hour on Thursday, Friday 25 is a holiday → Monday 28th 10:00 Berlin.
    expect(await due(berlin, '2026-12-24T15:00:00Z', 2 * HOUR)).toBe('2026-12-28T09:00:00.000Z');
    // Berlin leaves summer time on Sunday 25 October 2026: Friday 16:00 CEST (14:00Z) + 2 h → Monday 10:00 CET (09:00Z).
    expect(await due(berlin, '2026-10-23T14:00:00Z', 2 * HOUR)).toBe('2026-10-26T09:00:00.000Z');
    const lunch = hours('Mon-Fri 09:00-12:00 13:00-17:00', 'UTC');
    expect(await due(lunch, '2026-11-30T11:00:00Z', 2 * HOUR)).toBe('2026-11-30T14:00:00.000Z');
    // A range that wraps past Sunday: Fri-Mon.
    const weekend = hours('Fri-Mon 10:00-11:00', 'UTC');
    expect(await due(weekend, '2026-12-01T12:00:00Z', 2 * HOUR)).toBe('2026-12-05T11:00:00.000Z'); // Tue → Fri 10-11, Sat 10-11
  });

  it('counts URGENT around the clock, and nothing without a target or a wait', async () => {
    expect(await due(berlin, '2026-11-27T15:30:00Z', HOUR, Priority.URGENT)).toBe('2026-11-27T16:30:00.000Z');
    expect(await due(berlin, '2026-11-27T15:30:00Z', HOUR, Priority.LOW)).toBeNull();
    // Without business hours, every priority counts around the clock.
    expect(await due(null, '2026-11-27T15:00:00Z', 4 * HOUR)).toBe('2026-11-27T19:00:00.000Z');
  });
});

describe('the overdue test', () => {
  /** replyOverdueSql's verdict at `at` for a NORMAL wait from `since`. */
  async function overdueAt(clock: ReplyClock, since: string, at: Date): Promise<boolean> {
    const p = questionMarks();
    const wait = `with t as (select ${p.bind(since, 'timestamptz')} as awaiting_reply_since, 'NORMAL'::text as priority)`;
    const overdue = replyOverdueSql(clock, at);
    const [row] = await h.orm.em.fork().execute<{ overdue: boolean }[]>(`${wait} select ${overdue.sql} as overdue from t`, [...p.values, ...overdue.params]);
    return row!.overdue;
  }

  it('turns true within a second after the due instant, never before, for 100 random waits (its shortcuts included)', async () => {
    const businessHours = hours('Mon-Thu 08:00-12:00 13:00-17:00, Fri 08:00-12:00', 'Europe/Berlin', '2026-04-03,2026-05-01,2026-12-24,2026-12-25');
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 100; i++) {
      const since = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 365 * 86_400) * 1000).toISOString();
      const target = [15 * 60, HOUR, 4 * HOUR, 24 * HOUR, 72 * HOUR][i % 5]!;
      const clock: ReplyClock = { replyTargets: { URGENT: null, HIGH: null, NORMAL: target, LOW: null }, businessHours };
      const dueAt = new Date((await due(businessHours, since, target))!);
      expect(await overdueAt(clock, since, new Date(dueAt.getTime() - 1000)), `${since} + ${target} s, due ${dueAt.toISOString()}`).toBe(false);
      expect(await overdueAt(clock, since, new Date(dueAt.getTime() + 1000)), `${since} + ${target} s, due ${dueAt.toISOString()}`).toBe(true);
    }
  });
});

describe('a desk with business hours, through the API', () => {
  it('is not overdue outside opening time, is once the opening time is used up, and says when the reply is due', async () => {
    const ticket = async (subject: string) => {
      const outcome = await h.ingest(await buildMail({ from: 'ann@customer.test', subject }));
      if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
      return outcome.ticketNumber;
    };
    const waitingSince = (n: number, since: Date) => queryDatabase(gw.databaseUrl, `update ticket set awaiting_reply_since = $2, created_at = $2 where number = $1`, [n, since]);
    // Waited two hours, all of them closed: by the clock (1 h) overdue, in opening time not yet.
    const recent = await ticket('Two hours ago');
    const twoHoursAgo = new Date(Date.now() - 2 * HOUR * 1000);
    await waitingSince(recent, twoHoursAgo);
    // Waited eight days: the desk's weekly hour has come and gone since.
    const old = await ticket('Eight days ago');
    await waitingSince(old, new Date(Date.now() - 8 * 86_400_000));

    const data = await gqlData<Data>(
      gw.url,
      gw.adminToken,
      `query($recent: Int!, $old: Int!) {
        recent: ticket(number: $recent) { replyDueAt } old: ticket(number: $old) { replyDueAt }
        overdue: tickets(filter: { replyOverdue: true }) { edges { node { number } } }
        onTime: tickets(filter: { replyOverdue: false, awaitingReply: true }) { edges { node { number replyDueAt } } }
        ticketCounts { awaitingReply replyOverdue } }`,
      { recent, old },
    );
    const recentDue = new Date(data.recent.replyDueAt);
    expect(recentDue.getTime()).toBeGreaterThan(Date.now());
    expect(recentDue.getUTCHours()).toBe(10); // the end of the one opening hour
    expect(DAYS[(recentDue.getUTCDay() + 6) % 7]).toBe(OPEN_DAY);
    expect(new Date(data.old.replyDueAt).getTime()).toBeLessThan(Date.now());
    expect(data.overdue.edges.map((e: Data) => e.node.number)).toEqual([old]);
    expect(data.onTime.edges.map((e: Data) => e.node.number)).toEqual([recent]);
    expect(data.onTime.edges[0].node.replyDueAt).toBe(data.recent.replyDueAt);
    expect(data.ticketCounts).toEqual({ awaitingReply: 2, replyOverdue: 1 });

    // Statistics judge the first answer against the same opening-time target.
    const stats = await gqlData<Data>(gw.url, gw.adminToken, `query($since: DateTime!) { ticketStats(since: $since) { all { created replyTargetMet replyTargetMissed } } }`, {
      since: new Date(Date.now() - 9 * 86_400_000).toISOString(),
    });
    expect(stats.ticketStats.all).toEqual({ created: 2, replyTargetMet: 0, replyTargetMissed: 1 });

    const scraped = parseMetrics(await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.adminToken}` } })).text());
    expect(sample(scraped, 'postdesk_tickets_awaiting_reply', { overdue: 'true' })).toBe(1);
    expect(sample(scraped, 'postdesk_tickets_awaiting_reply', { overdue: 'false' })).toBe(1);
  });
});
