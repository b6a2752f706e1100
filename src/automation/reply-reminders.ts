/**
 * Reply reminders (REPLY_REMINDERS, on by default): when a waiting customer's reply becomes overdue
 * (REPLY_TARGETS by priority, in the queue's opening times or BUSINESS_HOURS when set: tickets/reply-targets.ts), staff get one mail saying so — the
 * assignee, else the queue's agents, else the admins (notify 'reply-overdue') — and the ticket's
 * history a `reply-overdue` event.
 *
 * Once per wait: `reply_reminded_for` records which wait (awaiting_reply_since) was reminded, so
 * only a new wait (the customer wrote again after being answered) is reminded again. Changing the
 * priority does not remind twice for one wait. The reminder is not a change to the ticket:
 * updated_at stays.
 *
 * Runs every minute on a pg-boss schedule (one job per minute across all instances); each ticket is
 * its own transaction with the row locked (locked-tickets.ts), so overlapping runs remind once.
 */
import type { Orm } from '../db/orm.js';
import { Queue } from '../entities/index.js';
import { notify } from '../outbound/notify.js';
import { queueCalendar } from '../queues/queue-hours.js';
import { describeReplyTarget, replyDueOfTicket, replyOverdueSql } from '../tickets/reply-targets.js';
import { forEachLockedTicket, TICKET_BATCH, type AutomationContext } from './locked-tickets.js';

export interface ReplyReminder {
  readonly number: number;
  readonly dueAt: Date;
}

/** One reminder run at `now` (a controllable clock for tests). Returns the tickets it reminded about. */
export async function runReplyReminders(orm: Orm, ctx: AutomationContext, now: Date): Promise<ReplyReminder[]> {
  const { config } = ctx;
  if (!config.outbound.replyReminders) return [];
  const overdue = replyOverdueSql(config, now);
  const batch = () =>
    orm.em.fork().execute<{ id: number }[]>(
      `select t.id from ticket t
        where ${overdue.sql} and t.reply_reminded_for is distinct from t.awaiting_reply_since
        order by t.awaiting_reply_since, t.id
        limit ${TICKET_BATCH}`,
      overdue.params,
    );
  return forEachLockedTicket(orm, batch, async (em, ticket) => {
    // Re-checked under the lock: answered, closed or reminded since the batch was read.
    const since = ticket.awaitingReplySince;
    const queue = ticket.queue ? await em.findOne(Queue, ticket.queue.id) : null;
    const target = describeReplyTarget(config, ticket.priority, queueCalendar(queue, config.businessHours));
    const dueAt = since && target ? await replyDueOfTicket(em, config, ticket.id) : null;
    if (!since || !target || !dueAt || dueAt >= now || ticket.replyRemindedFor?.getTime() === since.getTime()) return null;
    await notify(em, { kind: 'reply-overdue', ticket, dueAt, target }, { config, secret: ctx.secret, now: () => now });
    // Not through the entity: that would touch updated_at, and a reminder changes nothing on the ticket.
    await em.execute(`update ticket set reply_reminded_for = awaiting_reply_since where id = ?`, [ticket.id]);
    return { number: ticket.number, dueAt };
  });
}
