/**
 * Reply targets (REPLY_TARGETS): how long support may take to answer a customer who waits, by the
 * ticket's priority. A reply is due that long after awaitingReplySince; after that the ticket is
 * overdue until it is answered or closed.
 *
 * Counted around the clock, or, with BUSINESS_HOURS set, in opening time only (the database's
 * postdesk_business_due, Migration20261201070000_business_hours): a NORMAL ticket with a 4-hour
 * target that arrives on Friday at 16:00 is due on Monday at 12:00 when the desk opens 09:00-17:00.
 * A queue can keep opening times of its own (src/queues/queue-hours.ts; postdesk_queue_due): its
 * tickets count in those. URGENT always counts around the clock: urgent incidents page on-call at
 * any hour.
 *
 * The due instant is computed by SQL wherever it decides something (the overdue filter, counts,
 * metrics, reminders, statistics), so every place agrees; Ticket.replyDueAt asks it too.
 */
import { describeOpeningWindows, type BusinessHours } from '../config/business-hours.js';
import type { ReplyTargets } from '../config/env.js';
import type { Em } from '../db/orm.js';
import { readRows } from '../db/read-query.js';
import { arrayLiteral } from '../db/sql-values.js';
import { Priority } from '../entities/enums.js';

/** What a reply's due instant depends on: the targets and the opening times (Config has both). */
export interface ReplyClock {
  readonly replyTargets: ReplyTargets;
  readonly businessHours: BusinessHours | null;
}

/** SQL parameters collected while an expression is built: `bind` adds one and returns its placeholder. */
export interface SqlParams {
  readonly values: unknown[];
  bind(value: unknown, cast: string): string;
}

/** Parameters written `?` (MikroORM's em.execute). */
export function questionMarks(): SqlParams {
  const values: unknown[] = [];
  return { values, bind: (value, cast) => (values.push(value), `?::${cast}`) };
}

/** Parameters written `$n`, numbered from `first` (pg's own queries). */
export function numbered(first: number): SqlParams {
  const values: unknown[] = [];
  return { values, bind: (value, cast) => `$${first + values.push(value) - 1}::${cast}` };
}

/** When the answer is due, counted around the clock; null when nobody waits or the priority has no target. */
export function replyDueAt(awaitingSince: Date | null, priority: Priority, targets: ReplyTargets): Date | null {
  const seconds = targets[priority];
  if (awaitingSince === null || seconds === null) return null;
  return new Date(awaitingSince.getTime() + seconds * 1000);
}

/** A priority's target in seconds in SQL (null: no target), for the priority expression `priority`. */
const targetSecondsSql = (clock: ReplyClock, p: SqlParams, priority: string) =>
  `(case ${priority}::text ${Object.values(Priority).map((level) => `when '${level}' then ${p.bind(clock.replyTargets[level], 'int')}`).join(' ')} end)`;

const OWN_CALENDAR = 'business_hours is not null or business_timezone is not null or business_holidays is not null';

/** "The ticket's queue keeps a calendar of its own" in SQL (the queues are read once per statement). */
const ownCalendarSql = (queue: string) => `coalesce(${queue} = any(array(select id from queue where ${OWN_CALENDAR})), false)`;

/** A calendar's windows and holidays as SQL arrays (nulls without one), in postdesk_business_due's order after `seconds`. */
function calendarParams(hours: BusinessHours | null, p: SqlParams): string {
  const w = hours?.windows;
  const array = (values: readonly (number | string)[] | undefined, cast: string) => p.bind(values ? arrayLiteral(values) : null, cast);
  return [
    p.bind(hours?.timezone ?? null, 'text'),
    array(w?.map((x) => x.day), 'int[]'),
    array(w?.map((x) => x.start), 'int[]'),
    array(w?.map((x) => x.end), 'int[]'),
    array(hours?.holidays, 'date[]'),
  ].join(', ');
}

/** How a ticket's due instant is counted: the clock (URGENT, or nobody keeps hours), its queue's calendar, or the desk's. */
type Counting = 'clock' | 'queue' | 'desk';

/**
 * The three ways a due instant is counted as one SQL case, each branch what `branch` makes of the
 * due instant of that way. Both come as functions, called in reading order: `?` placeholders are
 * positional, so a piece binds its parameters only where it stands.
 */
function byCounting(
  clock: ReplyClock,
  p: SqlParams,
  columns: { since: string; priority: string; queue: string },
  branch: (due: () => string, counting: Counting) => string,
): string {
  const { since, priority, queue } = columns;
  const seconds = () => targetSecondsSql(clock, p, priority);
  const hours = clock.businessHours;
  const urgent = branch(() => `${since} + make_interval(secs => ${seconds()})`, 'clock');
  const ownCalendar = branch(() => `postdesk_queue_due(${since}, ${seconds()}, ${queue}, ${calendarParams(hours, p)})`, 'queue');
  const desk = hours
    ? branch(() => `postdesk_business_due(${since}, ${seconds()}, ${calendarParams(hours, p)})`, 'desk')
    : branch(() => `${since} + make_interval(secs => ${seconds()})`, 'clock');
  return `(case when ${priority}::text = '${Priority.URGENT}' then ${urgent} when ${ownCalendarSql(queue)} then ${ownCalendar} else ${desk} end)`;
}

/**
 * The due instant in SQL for the wait starting at `since` of a ticket with priority `priority` in
 * queue `queue` (SQL expressions); null when the priority has no target. A queue with opening
 * times of its own (src/queues/queue-hours.ts) counts in those, the others in BUSINESS_HOURS.
 */
export function replyDueSql(clock: ReplyClock, p: SqlParams, since = 't.awaiting_reply_since', priority = 't.priority', queue = 't.queue_id'): string {
  return byCounting(clock, p, { since, priority, queue }, (due) => due());
}

/** The due instant of one ticket's current wait, computed as the overdue filter does; null when nobody waits or there is no target. Inside a transaction too. */
export async function replyDueOfTicket(em: Em, clock: ReplyClock, ticketId: number): Promise<Date | null> {
  const p = questionMarks();
  const due = replyDueSql(clock, p);
  const [row] = await em.execute<{ due: Date | string | null }[]>(`select ${due} as due from ticket t where t.id = ${p.bind(ticketId, 'bigint')}`, p.values);
  return row?.due ? new Date(row.due) : null;
}

/** The due instants of several tickets' current waits (by ticket row id; absent when null), for the API's loaders. */
export async function replyDueByTicket(em: Em, clock: ReplyClock, ids: readonly number[]): Promise<Map<number, Date>> {
  const p = numbered(2);
  const due = replyDueSql(clock, p);
  const rows = await readRows<{ id: number; due: Date | string | null }>(em, `select t.id, ${due} as due from ticket t where t.id = any($1::bigint[])`, [ids, ...p.values]);
  return new Map(rows.flatMap((r) => (r.due === null ? [] : [[Number(r.id), new Date(r.due)] as const])));
}

/** "1 day", "4 hours", "90 minutes": a reply target in words, in the largest unit that divides it. */
export function describeTarget(seconds: number): string {
  const [amount, unit] = durationParts(seconds);
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

/** A target as whole days, else whole hours, else minutes. */
export function durationParts(seconds: number): [number, 'day' | 'hour' | 'minute'] {
  return seconds % 86_400 === 0 ? [seconds / 86_400, 'day'] : seconds % 3_600 === 0 ? [seconds / 3_600, 'hour'] : [Math.round(seconds / 60), 'minute'];
}

/** Every priority's target and how it counts, for `postdesk check`: "URGENT 1 hour, …, LOW off; in opening time Mon-Fri 09:00-17:00 (Europe/Berlin, 2 holidays) except URGENT". */
export function describeReplyTargets(clock: ReplyClock): string {
  const targets = [...Object.values(Priority)]
    .reverse()
    .map((level) => `${level} ${clock.replyTargets[level] === null ? 'off' : describeTarget(clock.replyTargets[level])}`)
    .join(', ');
  const hours = clock.businessHours;
  return hours ? `${targets}; in opening time ${describeCalendar(hours)} except URGENT` : `${targets}; around the clock`;
}

/** "Mon-Fri 09:00-17:00 (Europe/Berlin, 2 holidays)": opening times in words. */
export function describeCalendar(hours: BusinessHours): string {
  const holidays = hours.holidays.length === 0 ? '' : `, ${hours.holidays.length} holiday${hours.holidays.length === 1 ? '' : 's'}`;
  return `${describeOpeningWindows(hours.windows)} (${hours.timezone}${holidays})`;
}

/**
 * A priority's reply target in words, saying when it counts opening time only: "4 hours of opening time".
 * @param calendar what the ticket's queue counts in (queueCalendar); default the desk's
 */
export function describeReplyTarget(clock: ReplyClock, priority: Priority, calendar = clock.businessHours): string | null {
  const seconds = clock.replyTargets[priority];
  if (seconds === null) return null;
  return calendar && priority !== Priority.URGENT ? `${describeTarget(seconds)} of opening time` : describeTarget(seconds);
}

/**
 * A bound no opening-time due instant passes: the target needs at most ceil(target / a week's
 * opening time) whole weeks; each holiday can cost up to a week more, and a daylight-saving change
 * an hour, covered by one week of slack.
 */
function latestDueSql(clock: ReplyClock, hours: BusinessHours, p: SqlParams): string {
  const weekly = hours.windows.reduce((sum, w) => sum + (w.end - w.start) * 60, 0);
  const days = (seconds: number | null) => (seconds === null ? null : 7 * (Math.ceil(seconds / weekly) + hours.holidays.length + 1));
  return `t.awaiting_reply_since + make_interval(days => (case t.priority::text ${Object.values(Priority)
    .map((level) => `when '${level}' then ${p.bind(days(clock.replyTargets[level]), 'int')}`)
    .join(' ')} end))`;
}

/**
 * "The reply is overdue" in SQL for a ticket aliased `t`, with `?` parameters; false (not null)
 * when nobody waits or the priority has no target. Waiting is tested first: the partial index of
 * waiting tickets answers it, and rows nobody waits on skip the sum.
 *
 * With business hours, the walk through the calendar is the last resort: opening time never runs
 * faster than the clock, so a wait not yet due by the clock is not overdue, and one older than the
 * latest possible due instant of the desk's calendar (latestDueSql) is, both without the walk
 * (20,000 waits, most long overdue: 190 ms with every one walked, see the note in README's Response
 * times). Tickets of a queue with its own calendar are walked (as many steps as their target spans
 * in days).
 * @param at the instant to judge at (a controllable clock for the reminders); default the database's now()
 */
export function replyOverdueSql(clock: ReplyClock, at?: Date): { sql: string; params: unknown[] } {
  const p = questionMarks();
  const now = () => (at ? p.bind(at, 'timestamptz') : 'now()');
  // Built in reading order: `?` placeholders are positional.
  const byTheClock = `coalesce(t.awaiting_reply_since + make_interval(secs => ${targetSecondsSql(clock, p, 't.priority')}) < ${now()}, false)`;
  const hours = clock.businessHours;
  const pastDue = byCounting(clock, p, { since: 't.awaiting_reply_since', priority: 't.priority', queue: 't.queue_id' }, (due, counting) => {
    if (counting === 'clock') return 'true'; // decided by the clock already
    const pastLatest = counting === 'desk' && hours ? `coalesce(${latestDueSql(clock, hours, p)} < ${now()}, false) or ` : '';
    return `(${pastLatest}coalesce(${due()} < ${now()}, false))`;
  });
  // Without BUSINESS_HOURS the clock decides unless some queue keeps hours: asked once per statement, not per row.
  const decided = hours ? '' : `not exists (select 1 from queue where ${OWN_CALENDAR}) or `;
  const sql = `t.awaiting_reply_since is not null and ${byTheClock} and (${decided}${pastDue})`;
  return { sql: `(${sql})`, params: p.values };
}
