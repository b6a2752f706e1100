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
import { questionMarks, replyDueAt, replyDueSql, type ReplyClock } from '../tickets/reply-targets.js';
import type { Wording } from './wording.js';

/** Less than this ahead counts as open now (the walk through the calendar works in whole seconds). */
const OPEN_NOW_MS = 60_000;

/** A clock whose every target is zero: its due instant is the next opening moment (now when open). */
const opening = (clock: ReplyClock): ReplyClock => ({ ...clock, replyTargets: { URGENT: 0, HIGH: 0, NORMAL: 0, LOW: 0 } });

export interface ReplyExpectation {
  openingNote: string;
  replyPromise: string;
}

/** The two variables for a ticket that starts waiting for its first answer at `now`, in the mail's wording. */
export async function replyExpectation(em: Em, config: Config, ticket: Ticket, now: Date, wording: Wording): Promise<ReplyExpectation> {
  const urgent = ticket.priority === Priority.URGENT;
  // Loaded where the ticket was routed: asked for only when it was not.
  const queue = !ticket.queue || wrap(ticket.queue).isInitialized() ? ticket.queue : await em.findOne(Queue, ticket.queue.id);
  const calendar = urgent ? null : queueCalendar(queue, config.businessHours);
  const zone = calendar?.timezone ?? 'UTC';
  const { due, opens } = calendar ? await dueAndOpening(em, config, ticket.priority, queue?.id ?? null, now) : { due: replyDueAt(now, ticket.priority, config.replyTargets), opens: now };
  const when = (instant: Date) => wording.instant(instant, zone, now);
  const closed = opens.getTime() - now.getTime() >= OPEN_NOW_MS;
  const target = config.replyTargets[ticket.priority as Priority];
  // The target counts opening time only where describeReplyTarget says so.
  const promise = calendar && !urgent ? 'reply-promise-opening-time' : 'reply-promise';
  return {
    openingNote: closed ? `${wording.phrase('opening-note', { opens: when(opens), zone })}\n\n` : '',
    replyPromise: target !== null && due ? `${wording.phrase(promise, { target: wording.duration(target), due: when(due), zone })}\n\n` : '',
  };
}

/** When a queue next opens while it is closed at `now` (its calendar, else the desk's); null while it is open. Only for a queue that keeps a calendar. */
export async function nextOpening(em: Em, config: Config, queueId: number, now: Date): Promise<Date | null> {
  const { opens } = await dueAndOpening(em, config, Priority.NORMAL, queueId, now);
  return opens.getTime() - now.getTime() >= OPEN_NOW_MS ? opens : null;
}

/** The due instant of a wait starting at `since`, and the next opening moment (`since` when open), by the overdue count's SQL. */
async function dueAndOpening(em: Em, clock: ReplyClock, priority: Priority, queueId: number | null, since: Date): Promise<{ due: Date | null; opens: Date }> {
  const p = questionMarks();
  const columns = ['x.since', 'x.priority', 'x.queue_id'] as const;
  const select = `select ${replyDueSql(clock, p, ...columns)} as due, ${replyDueSql(opening(clock), p, ...columns)} as opens`;
  // Bound after the select list: `?` placeholders are positional.
  const from = `from (select ${p.bind(since, 'timestamptz')} as since, ${p.bind(priority, 'text')} as priority, ${p.bind(queueId, 'int')} as queue_id) x`;
  const [row] = await em.execute<{ due: Date | string | null; opens: Date | string | null }[]>(`${select} ${from}`, p.values);
  return { due: row?.due ? new Date(row.due) : null, opens: row?.opens ? new Date(row.opens) : since };
}
