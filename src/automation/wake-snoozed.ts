/**
 * Wakes snoozed tickets whose time has come (tickets/snooze.ts), every minute with the reply
 * reminders: the snooze ends with a `snooze-ended` event and the assignee (else the queue's
 * agents, else the admins) gets a `snooze-ended` mail. Each ticket is its own transaction with the
 * row locked (locked-tickets.ts), so overlapping runs wake it once.
 */
import type { Orm } from '../db/orm.js';
import { notify } from '../outbound/notify.js';
import { endSnooze } from '../tickets/snooze.js';
import { forEachLockedTicket, TICKET_BATCH, type AutomationContext } from './locked-tickets.js';

/** One run at `now` (a controllable clock for tests). Returns the numbers of the tickets it woke. */
export async function runSnoozeWakeups(orm: Orm, ctx: AutomationContext, now: Date): Promise<number[]> {
  const batch = () =>
    orm.em.fork().execute<{ id: number }[]>(`select id from ticket where snoozed_until <= ? order by snoozed_until, id limit ${TICKET_BATCH}`, [now]);
  return forEachLockedTicket(orm, batch, async (em, ticket) => {
    const until = ticket.snoozedUntil;
    if (!until || until.getTime() > now.getTime()) return null; // woken meanwhile, or snoozed again
    endSnooze(em, ticket, { actorLabel: 'automation:snooze' }, 'its time came').createdAt = now;
    await notify(em, { kind: 'snooze-ended', ticket, until }, { config: ctx.config, secret: ctx.secret, now: () => now });
    return ticket.number;
  });
}
