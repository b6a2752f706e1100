/**
 * What an acknowledgement tells the customer about the answer to come (template variables of
 * `ticket`, each a paragraph ending in an empty line, or '' so a template has no gap):
 * - `openingNote`: when the ticket's queue keeps opening times (BUSINESS_HOURS, or its own) and
 *   it is closed now, when it opens again: someone writing on Friday evening learns that nobody
 *   reads it before Monday 09:00, instead of waiting for an answer all weekend.
 * - `replyPromise`: the reply target of its priority (REPLY_TARGETS) as a promise with the due
 *   instant, for desks that want to make one (not in the default template).
 * Both are computed by the same SQL that decides what is overdue (tickets/reply-targets.ts), so the
 * mail never promises another instant than the one the agents are measured by. Times are written
 * in the calendar's time zone (UTC around the clock). URGENT counts around the clock.
 */
import { wrap } from '@mikro-orm/core';
import type { Config } from '../config/env.js';
import type { Em } from '../db/orm.js';
import { Priority } from '../entities/enums.js';
import { Queue, type Ticket } from '../entities/index.js';
import { queueCalendar } from '../queues/queue-hours.js';
import { describeReplyTarget, questionMarks, replyDueAt, replyDueSql, type ReplyClock } from '../tickets/reply-targets.js';

/** Less than this ahead counts as open now (the walk through the calendar works in whole seconds). */
const OPEN_NOW_MS = 60_000;

/** A clock whose every target is zero: its due instant is the next opening moment (now when open). */
const opening = (clock: ReplyClock): ReplyClock => ({ ...clock, replyTargets: { URGENT: 0, HIGH: 0, NORMAL: 0, LOW: 0 } });

export interface ReplyExpectation {
  openingNote: string;
  replyPromise: string;
}

/** The two variables for a ticket that starts waiting for its first answer at `now`. */
export async function replyExpectation(em: Em, config: Config, ticket: Ticket, now: Date): Promise<ReplyExpectation> {
  const urgent = ticket.priority === Priority.URGENT;
  // Loaded where the ticket was routed: asked for only when it was not.
  const queue = !ticket.queue || wrap(ticket.queue).isInitialized() ? ticket.queue : await em.findOne(Queue, ticket.queue.id);
  const calendar = urgent ? null : queueCalendar(queue, config.businessHours);
  const zone = calendar?.timezone ?? 'UTC';
  let due = replyDueAt(now, ticket.priority, config.replyTargets);
  let opens = now;
  if (calendar) {
    const p = questionMarks();
    const columns = ['x.since', 'x.priority', 'x.queue_id'] as const;
    const select = `select ${replyDueSql(config, p, ...columns)} as due, ${replyDueSql(opening(config), p, ...columns)} as opens`;
    // Bound after the select list: `?` placeholders are positional.
    const from = `from (select ${p.bind(now, 'timestamptz')} as since, ${p.bind(ticket.priority, 'text')} as priority, ${p.bind(queue?.id ?? null, 'int')} as queue_id) x`;
    const [row] = await em.execute<{ due: Date | string | null; opens: Date | string | null }[]>(`${select} ${from}`, p.values);
    due = row?.due ? new Date(row.due) : null;
    opens = row?.opens ? new Date(row.opens) : now;
  }
  const when = (instant: Date) => formatInstant(instant, zone, now);
  const closed = opens.getTime() - now.getTime() >= OPEN_NOW_MS;
  const target = describeReplyTarget(config, ticket.priority, calendar);
  return {
    openingNote: closed ? `Our support desk is closed at the moment; it opens again on ${when(opens)} (${zone}).\n\n` : '',
    replyPromise: target && due ? `We aim to answer within ${target}, by ${when(due)} (${zone}).\n\n` : '',
  };
}

/** "Monday 7 December at 09:00" in `zone`; with the year when it is not `now`'s. */
function formatInstant(instant: Date, zone: string, now: Date): string {
  const year = (d: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric' }).format(d);
  const options: Intl.DateTimeFormatOptions = { timeZone: zone, weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (year(instant) !== year(now)) options.year = 'numeric';
  return new Intl.DateTimeFormat('en-GB', options).format(instant);
}
