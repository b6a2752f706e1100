/**
 * Reply targets (REPLY_TARGETS): how long support may take to answer a customer who waits, by the
 * ticket's priority. A reply is due that long after awaitingReplySince; after that the ticket is
 * overdue until it is answered or closed.
 *
 * Counted around the clock, or, with BUSINESS_HOURS set, in opening time only (the database's
 * postdesk_business_due, Migration20261201070000_business_hours): a NORMAL ticket with a 4-hour
 * target that arrives on Friday at 16:00 is due on Monday at 12:00 when the desk opens 09:00-17:00.
 * URGENT always counts around the clock: urgent incidents page on-call at any hour.
 *
 * The due instant is computed by SQL wherever it decides something (the overdue filter, counts,
 * metrics, reminders, statistics), so every place agrees. Ticket.replyDueAt computes the
 * around-the-clock case in JavaScript (a sum) and asks the database with business hours.
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

/**
 * The due instant in SQL for the wait starting at `since` of a ticket with priority `priority`
 * (SQL expressions); null when the priority has no target.
 */
export function replyDueSql(clock: ReplyClock, p: SqlParams, since = 't.awaiting_reply_since', priority = 't.priority'): string {
  const seconds = () => `(case ${priority}::text ${Object.values(Priority).map((level) => `when '${level}' then ${p.bind(clock.replyTargets[level], 'int')}`).join(' ')} end)`;
  const aroundTheClock = `${since} + make_interval(secs => ${seconds()})`;
  const hours = clock.businessHours;
  if (!hours) return aroundTheClock;
  const w = hours.windows;
  const inOpeningTime = `postdesk_business_due(${since}, ${seconds()}, ${p.bind(hours.timezone, 'text')}, ${p.bind(arrayLiteral(w.map((x) => x.day)), 'int[]')}, ${p.bind(
    arrayLiteral(w.map((x) => x.start)),
    'int[]',
  )}, ${p.bind(arrayLiteral(w.map((x) => x.end)), 'int[]')}, ${p.bind(arrayLiteral(hours.holidays), 'date[]')})`;
  return `(case when ${priority}::text = '${Priority.URGENT}' then ${aroundTheClock} else ${inOpeningTime} end)`;
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
  const [amount, unit] = seconds % 86_400 === 0 ? [seconds / 86_400, 'day'] : seconds % 3_600 === 0 ? [seconds / 3_600, 'hour'] : [Math.round(seconds / 60), 'minute'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

/** Every priority's target and how it counts, for `postdesk check`: "URGENT 1 hour, …, LOW off; in opening time Mon-Fri 09:00-17:00 (Europe/Berlin, 2 holidays) except URGENT". */
export function describeReplyTargets(clock: ReplyClock): string {
  const targets = [...Object.values(Priority)]
    .reverse()
    .map((level) => `${level} ${clock.replyTargets[level] === null ? 'off' : describeTarget(clock.replyTargets[level])}`)
    .join(', ');
  const hours = clock.businessHours;
  if (!hours) return `${targets}; around the clock`;
  const holidays = hours.holidays.length === 0 ? '' : `, ${hours.holidays.length} holiday${hours.holidays.length === 1 ? '' : 's'}`;
  return `${targets}; in opening time ${describeOpeningWindows(hours.windows)} (${hours.timezone}${holidays}) except URGENT`;
}

/** A priority's reply target in words, saying when it counts opening time only: "4 hours of opening time". */
export function describeReplyTarget(clock: ReplyClock, priority: Priority): string | null {
  const seconds = clock.replyTargets[priority];
  if (seconds === null) return null;
  return clock.businessHours && priority !== Priority.URGENT ? `${describeTarget(seconds)} of opening time` : describeTarget(seconds);
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
 * latest possible due instant (latestDueSql) is, both without the walk (20,000 waits, most long
 * overdue: 190 ms with every one walked, see the note in README's Response times).
 * @param at the instant to judge at (a controllable clock for the reminders); default the database's now()
 */
export function replyOverdueSql(clock: ReplyClock, at?: Date): { sql: string; params: unknown[] } {
  const p = questionMarks();
  const now = () => (at ? p.bind(at, 'timestamptz') : 'now()');
  let sql = `t.awaiting_reply_since is not null and coalesce(${replyDueSql({ ...clock, businessHours: null }, p)} < ${now()}, false)`;
  const hours = clock.businessHours;
  if (hours) sql += ` and (coalesce(${latestDueSql(clock, hours, p)} < ${now()}, false) or coalesce(${replyDueSql(clock, p)} < ${now()}, false))`;
  return { sql: `(${sql})`, params: p.values };
}
