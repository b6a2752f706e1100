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
import { agentOfQueue, startTestApp, type TestApp } from '../../harness/app.js';
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

/** The due instant the database computes for a wait starting at `since` (ISO) with `priority` and `target` seconds, of a ticket in queue `queueId`. */
async function due(businessHours: BusinessHours | null, since: string, target: number, priority = Priority.NORMAL, queueId: number | null = null): Promise<string | null> {
  const clock: ReplyClock = { replyTargets: { URGENT: target, HIGH: target, NORMAL: target, LOW: null }, businessHours };
  const p = questionMarks();
  const wait = `with x as (select ${p.bind(since, 'timestamptz')} as since, ${p.bind(priority, 'text')} as priority, ${p.bind(queueId, 'int')} as queue_id)`;
  const [row] = await h.orm.em.fork().execute<{ due: Date | null }[]>(`${wait} select ${replyDueSql(clock, p, 'x.since', 'x.priority', 'x.queue_id')} as due from x`, p.values);
  return row?.due ? new Date(row.due).toISOString() : null;
}

/** replyOverdueSql's verdict at `at` for a NORMAL wait from `since` of a ticket in queue `queueId`. */
async function overdueAt(clock: ReplyClock, since: string, at: Date, queueId: number | null = null): Promise<boolean> {
  const p = questionMarks();
  const wait = `with t as (select ${p.bind(since, 'timestamptz')} as awaiting_reply_since, 'NORMAL'::text as priority, ${p.bind(queueId, 'int')} as queue_id)`;
  const overdue = replyOverdueSql(clock, at);
  const [row] = await h.orm.em.fork().execute<{ overdue: boolean }[]>(`${wait} select ${overdue.sql} as overdue from t`, [...p.values, ...overdue.params]);
  return row!.overdue;
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

describe("a queue's own opening times", () => {
  const admin = (query: string, variables?: Data) => gqlData<Data>(gw.url, gw.adminToken, query, variables);
  const setHours = async (name: string, input: Data) =>
    (await admin(`mutation($name: String!, $input: UpdateQueueInput!) { updateQueue(name: $name, input: $input) {
        queue { businessHours businessTimezone businessHolidays } userErrors { field message } } }`, { name, input })).updateQueue;
  const queueId = async (name: string) => Number((await queryDatabase<{ id: number }>(gw.databaseUrl, `select id from queue where name = $1`, [name]))[0]!.id);

  beforeAll(async () => {
    for (const name of ['Tokyo', 'Night shift', 'Same hours']) await admin(`mutation($name: String!) { createQueue(input: { name: $name }) { queue { name } } }`, { name });
  });

  it('are validated, naming the field, stored normalised, and each change is an admin event', async () => {
    for (const [input, field] of [
      [{ businessHours: 'weekdays 9 to 5' }, 'businessHours'],
      [{ businessHours: 'Mon 10:00-09:00' }, 'businessHours'],
      [{ businessTimezone: 'Mars/Olympus' }, 'businessTimezone'],
      [{ businessHolidays: '2026-02-30' }, 'businessHolidays'],
    ] as const) {
      const refused = await setHours('Tokyo', input);
      expect(refused.queue, JSON.stringify(input)).toBeNull();
      expect(refused.userErrors[0].field).toEqual(['input', field]);
    }
    const set = await setHours('Tokyo', { businessHours: 'mon-fri 09:00-17:00', businessTimezone: 'Asia/Tokyo', businessHolidays: 'none' });
    expect(set).toEqual({ queue: { businessHours: 'Mon-Fri 09:00-17:00', businessTimezone: 'Asia/Tokyo', businessHolidays: [] }, userErrors: [] });
    const events = await admin(`{ adminEvents(filter: { kind: ["queue-businessHours", "queue-businessTimezone", "queue-businessHolidays"] }) { edges { node { kind from to } } } }`);
    expect(events.adminEvents.edges.map((e: Data) => e.node)).toEqual(
      expect.arrayContaining([
        { kind: 'queue-businessHours', from: null, to: 'Mon-Fri 09:00-17:00' },
        { kind: 'queue-businessTimezone', from: null, to: 'Asia/Tokyo' },
        { kind: 'queue-businessHolidays', from: null, to: 'none' },
      ]),
    );
    // createQueue takes them too; "" goes back to the desk's.
    const created = await admin(`mutation { createQueue(input: { name: "Sydney", businessHours: "always" }) { queue { businessHours businessTimezone } userErrors { message } } }`);
    expect(created.createQueue.queue).toEqual({ businessHours: 'always', businessTimezone: null });
    expect((await setHours('Sydney', { businessHours: '' })).queue.businessHours).toBeNull();
  });

  it("count a queue's tickets in its calendar, the desk's filling what it leaves unset", async () => {
    const tokyo = await queueId('Tokyo');
    // Friday 16:00 in Tokyo (07:00Z) + 4 h of opening time: one hour on Friday, three on Monday → Monday 12:00 Tokyo (03:00Z).
    expect(await due(null, '2026-11-27T07:00:00Z', 4 * HOUR, Priority.NORMAL, tokyo)).toBe('2026-11-30T03:00:00.000Z');
    // The desk's calendar does not matter to the queue's tickets, and URGENT still counts around the clock.
    expect(await due(hours('Mon-Fri 09:00-17:00', 'Europe/Berlin'), '2026-11-27T07:00:00Z', 4 * HOUR, Priority.NORMAL, tokyo)).toBe('2026-11-30T03:00:00.000Z');
    expect(await due(null, '2026-11-27T07:00:00Z', 4 * HOUR, Priority.URGENT, tokyo)).toBe('2026-11-27T11:00:00.000Z');

    // A queue that sets only its time zone keeps the desk's windows and holidays, in its own zone.
    const same = await queueId('Same hours');
    expect((await setHours('Same hours', { businessTimezone: 'America/New_York' })).userErrors).toEqual([]);
    const desk = hours('Mon-Fri 09:00-17:00', 'Europe/Berlin', '2026-12-25');
    // Thursday 24 December 16:00 in New York (21:00Z) + 2 h: one hour on Thursday, the 25th is the desk's holiday → Monday 28th 10:00 New York (15:00Z).
    expect(await due(desk, '2026-12-24T21:00:00Z', 2 * HOUR, Priority.NORMAL, same)).toBe('2026-12-28T15:00:00.000Z');
    // Without BUSINESS_HOURS there are no windows to keep: around the clock.
    expect(await due(null, '2026-12-24T21:00:00Z', 2 * HOUR, Priority.NORMAL, same)).toBe('2026-12-24T23:00:00.000Z');

    // "always": around the clock although the desk keeps hours.
    const night = await queueId('Night shift');
    expect((await setHours('Night shift', { businessHours: 'ALWAYS' })).queue.businessHours).toBe('always');
    expect(await due(desk, '2026-11-27T22:00:00Z', HOUR, Priority.NORMAL, night)).toBe('2026-11-27T23:00:00.000Z');
  });

  it("decide overdue as the queue's due instant says, to the second, for random waits", async () => {
    // Three hours a week against the desk's forty: past the desk's latest possible due instant, a
    // ticket of this queue can still be on time (72 hours of target take 24 weeks).
    expect((await setHours('Tokyo', { businessHours: 'Mon 09:00-10:00, Thu 13:00-15:00', businessHolidays: '2026-03-05, 2026-10-12' })).userErrors).toEqual([]);
    const tokyo = await queueId('Tokyo');
    const desk = hours('Mon-Fri 09:00-17:00', 'Europe/Berlin');
    let seed = 11;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 30; i++) {
      const since = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 365 * 86_400) * 1000).toISOString();
      const target = [15 * 60, HOUR, 4 * HOUR, 24 * HOUR, 72 * HOUR][i % 5]!;
      const clock: ReplyClock = { replyTargets: { URGENT: null, HIGH: null, NORMAL: target, LOW: null }, businessHours: desk };
      const dueAt = new Date((await due(desk, since, target, Priority.NORMAL, tokyo))!);
      const context = `${since} + ${target} s, due ${dueAt.toISOString()}`;
      expect(await overdueAt(clock, since, new Date(dueAt.getTime() - 1000), tokyo), context).toBe(false);
      expect(await overdueAt(clock, since, new Date(dueAt.getTime() + 1000), tokyo), context).toBe(true);
      // Far past the desk's latest possible due instant, yet still judged by the queue's calendar.
      expect(await overdueAt(clock, since, new Date(dueAt.getTime() + 400 * 86_400_000), tokyo), context).toBe(true);
    }
  });

  it('through the API: replyDueAt, the overdue filter and counts, statistics and moving a ticket all follow its queue', async () => {
    // The desk opens one hour a week (OPEN_DAY 09:00-10:00 UTC); Tokyo the same hour in Tokyo; the night shift always.
    expect((await setHours('Tokyo', { businessHours: `${OPEN_DAY} 09:00-10:00` })).userErrors).toEqual([]);
    const waiting = async (subject: string, queue: string) => {
      const outcome = await h.ingest(await buildMail({ from: 'bo@customer.test', subject }));
      if (outcome.kind !== 'ticket') throw new Error(outcome.kind);
      const since = new Date(Date.now() - 2 * HOUR * 1000);
      await queryDatabase(gw.databaseUrl, `update ticket set awaiting_reply_since = $2, created_at = $2, queue_id = (select id from queue where name = $3) where number = $1`, [outcome.ticketNumber, since, queue]);
      return outcome.ticketNumber;
    };
    const night = await waiting('Two hours at night', 'Night shift');
    const tokyo = await waiting('Two hours in Tokyo', 'Tokyo');

    const read = () =>
      admin(
        `query($night: Int!, $tokyo: Int!) {
          night: ticket(number: $night) { replyDueAt awaitingReplySince } tokyo: ticket(number: $tokyo) { replyDueAt }
          nightOverdue: tickets(filter: { queue: "Night shift", replyOverdue: true }) { edges { node { number } } }
          tokyoOverdue: tickets(filter: { queue: "Tokyo", replyOverdue: true }) { edges { node { number } } }
          nightCounts: ticketCounts(queue: "Night shift") { awaitingReply replyOverdue }
          tokyoCounts: ticketCounts(queue: "Tokyo") { awaitingReply replyOverdue } }`,
        { night, tokyo },
      );
    const data = await read();
    // The night shift counts around the clock: one hour after the wait began, overdue now.
    expect(new Date(data.night.replyDueAt).getTime()).toBe(new Date(data.night.awaitingReplySince).getTime() + HOUR * 1000);
    expect(data.nightOverdue.edges.map((e: Data) => e.node.number)).toEqual([night]);
    expect(data.nightCounts).toEqual({ awaitingReply: 1, replyOverdue: 1 });
    // Tokyo: due at the end of its opening hour, 10:00 in Tokyo (01:00Z), days from now.
    const tokyoDue = new Date(data.tokyo.replyDueAt);
    expect(tokyoDue.getTime()).toBeGreaterThan(Date.now());
    expect(tokyoDue.getUTCHours()).toBe(1);
    expect(data.tokyoOverdue.edges).toEqual([]);
    expect(data.tokyoCounts).toEqual({ awaitingReply: 1, replyOverdue: 0 });

    const stats = await admin(`query($since: DateTime!) { ticketStats(since: $since) { byQueue { queue figures { replyTargetMet replyTargetMissed } } } }`, {
      since: new Date(Date.now() - 3 * HOUR * 1000).toISOString(),
    });
    const figures = (queue: string) => stats.ticketStats.byQueue.find((q: Data) => q.queue === queue)?.figures;
    expect(figures('Night shift')).toEqual({ replyTargetMet: 0, replyTargetMissed: 1 });
    expect(figures('Tokyo')).toEqual({ replyTargetMet: 0, replyTargetMissed: 0 });

    // Each queue says when its clock counts; an agent of the queue reads it through the ticket too.
    const queues = await admin(`{ queues { name openingTime } }`);
    expect(Object.fromEntries(queues.queues.map((q: Data) => [q.name, q.openingTime]))).toMatchObject({
      General: `${OPEN_DAY} 09:00-10:00 (UTC)`,
      Tokyo: `${OPEN_DAY} 09:00-10:00 (Asia/Tokyo, 2 holidays)`,
      'Night shift': 'around the clock',
      'Same hours': `${OPEN_DAY} 09:00-10:00 (America/New_York)`,
    });
    const agent = await agentOfQueue(gw, 'kai@staff.test', 'Tokyo');
    const seen = await gqlData<Data>(gw.url, agent, `query($n: Int!) { ticket(number: $n) { queue { openingTime } } }`, { n: tokyo });
    expect(seen.ticket.queue.openingTime).toBe(`${OPEN_DAY} 09:00-10:00 (Asia/Tokyo, 2 holidays)`);

    // Moved to the night shift, the Tokyo ticket is overdue at once: the due instant follows the queue.
    const moved = await admin(`mutation($n: Int!) { updateTicket(number: $n, input: { queue: "Night shift" }) { userErrors { message } } }`, { n: tokyo });
    expect(moved.updateTicket.userErrors).toEqual([]);
    const after = await read();
    expect(new Date(after.tokyo.replyDueAt).getTime()).toBeLessThan(Date.now());
    expect(after.nightCounts).toEqual({ awaitingReply: 2, replyOverdue: 2 });

    const scraped = parseMetrics(await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.adminToken}` } })).text());
    // The desk's long-overdue ticket of the test before, and these two.
    expect(sample(scraped, 'postdesk_tickets_awaiting_reply', { overdue: 'true' })).toBe(3);
  });
  it('Queue.opensAt: when a closed queue opens again; null while open, and around the clock', async () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await admin(`mutation { createQueue(input: { name: "Closed today", businessHours: "Mon-Sun 00:00-24:00", businessTimezone: "UTC" }) { queue { name } } }`);
    await admin(`mutation { createQueue(input: { name: "Always", businessHours: "always" }) { queue { name } } }`);
    const opensAt = async () => (await admin(`{ queues { name opensAt } }`)).queues.filter((q: Data) => ['Always', 'Closed today'].includes(q.name)).map((q: Data) => [q.name, q.opensAt]);
    expect(await opensAt()).toEqual([
      ['Always', null],
      ['Closed today', null],
    ]);
    expect((await setHours('Closed today', { businessHolidays: `${day(0)},${day(1)}` })).userErrors).toEqual([]);
    expect(await opensAt()).toEqual([
      ['Always', null],
      ['Closed today', `${day(2)}T00:00:00.000Z`],
    ]);
    // The desk's one-hour window (BUSINESS_HOURS above): General is closed but for an hour a week.
    const general = (await admin(`{ queues { name opensAt } }`)).queues.find((q: Data) => q.name === 'General');
    expect(general.opensAt === null || new Date(general.opensAt).getUTCHours() === 9).toBe(true);
  });
});
