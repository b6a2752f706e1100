/**
 * Scheduled auto-close (pg-boss cron `AUTO_CLOSE_CRON`; pg-boss creates one job per occurrence and
 * hands it to one worker, so exactly one instance runs each run).
 *
 *  - Tickets OPEN, IN_PROGRESS or WAITING_FOR_CUSTOMER are closed N days after creation: N is the
 *    queue's autoCloseDays, else AUTO_CLOSE_DAYS (default 7); 0 disables. PENDING_APPROVAL tickets
 *    wait for their approver, not for the clock, and are left alone.
 *  - Optionally (AUTO_CLOSE_WAITING_DAYS > 0) WAITING_FOR_CUSTOMER tickets are closed after M days
 *    without an answer, counted from the later of:
 *      - the latest `status` event to WAITING_FOR_CUSTOMER: when we asked (updated_at only for a
 *        ticket without such an event, e.g. one set WAITING before events existed);
 *      - the latest OUTBOUND message (an agent's public reply while waiting asks again, so the
 *        customer gets M days from that question);
 *      - the latest non-automatic INBOUND message: a customer reply that did not move the ticket out
 *        of WAITING (one failing an enforcing DMARC policy, a bare quote) still resets the clock, as
 *        apply-reply.ts promises; an out-of-office auto-reply is no answer.
 *    Not from updated_at: a note, a watcher, a CC or a priority change is our own activity and says
 *    nothing about whether the customer answered, so it must not keep a waiting ticket open.
 *
 * Each closure is its own transaction (row lock, status re-checked, so two overlapping runs cannot
 * close a ticket twice), records a `status` event by `automation:auto-close` and mails the requester
 * through notify().
 */
import type { Config } from '../config/env.js';
import type { Orm } from '../db/orm.js';
import { TicketStatus } from '../entities/enums.js';
import { notify } from '../outbound/notify.js';
import { inDefaultWording } from '../outbound/wording.js';
import { setStatus } from '../tickets/change-status.js';
import { recordEvent } from '../tickets/record-event.js';
import { forEachLockedTicket, TICKET_BATCH, type AutomationContext } from './locked-tickets.js';

export interface AutoClosed {
  readonly number: number;
  readonly reason: 'age' | 'waiting';
}

/** Candidate ticket ids and why; pure SQL over the queue's setting or the default. */
async function candidates(orm: Orm, config: Config, now: Date): Promise<{ id: number; reason: 'age' | 'waiting'; days: number }[]> {
  const { autoCloseDays, autoCloseWaitingDays } = config.outbound;
  const rows = await orm.em.fork().execute<{ id: number; days: number; waiting: boolean }[]>(
    `with t as (
       select t.id, t.status, t.created_at, q.auto_close_days,
              case when t.status = 'WAITING_FOR_CUSTOMER' then greatest(
                coalesce((select max(e.created_at) from ticket_event e
                           where e.ticket_id = t.id and e.kind = 'status' and e.to_value = 'WAITING_FOR_CUSTOMER'), t.updated_at),
                (select max(m.created_at) from message m
                  where m.ticket_id = t.id and (m.direction = 'OUTBOUND' or (m.direction = 'INBOUND' and not ('automatic' = any(m.flags))))))
              end as waiting_since
         from ticket t left join queue q on q.id = t.queue_id
        where t.status in ('OPEN', 'IN_PROGRESS', 'WAITING_FOR_CUSTOMER'))
     select t.id, coalesce(t.auto_close_days, ?)::int as days,
            coalesce(?::int > 0 and t.waiting_since < ?::timestamptz - make_interval(days => ?::int), false) as waiting
       from t
      where (coalesce(t.auto_close_days, ?) > 0 and t.created_at < ?::timestamptz - make_interval(days => coalesce(t.auto_close_days, ?)::int))
         or (?::int > 0 and t.waiting_since < ?::timestamptz - make_interval(days => ?::int))
      order by t.id
      limit ${TICKET_BATCH}`,
    [autoCloseDays, autoCloseWaitingDays, now, autoCloseWaitingDays, autoCloseDays, now, autoCloseDays, autoCloseWaitingDays, now, autoCloseWaitingDays],
  );
  return rows.map((r) => ({ id: r.id, reason: r.waiting ? 'waiting' : 'age', days: r.waiting ? autoCloseWaitingDays : r.days }));
}

/** One auto-close run at `now` (a controllable clock for tests). Returns the tickets it closed. */
export async function runAutoClose(orm: Orm, ctx: AutomationContext, now: Date): Promise<AutoClosed[]> {
  return forEachLockedTicket(
    orm,
    () => candidates(orm, ctx.config, now),
    async (em, ticket, c) => {
      if (ticket.status === TicketStatus.CLOSED || ticket.status === TicketStatus.PENDING_APPROVAL) return null;
      const from = ticket.status;
      setStatus(ticket, TicketStatus.CLOSED, now);
      ticket.updatedAt = now;
      // The mail says why in the requester's language; the history, in the built-in wording.
      const reason = { phrase: c.reason === 'waiting' ? 'closed-after-waiting' : 'closed-after-opening', values: { days: c.days } } as const;
      const event = recordEvent(em, ticket, { kind: 'status', actorLabel: 'automation:auto-close', from, to: TicketStatus.CLOSED, detail: { reason: inDefaultWording(reason.phrase, reason.values) } });
      event.createdAt = now;
      await notify(em, { kind: 'status-changed', ticket, from, to: TicketStatus.CLOSED, actor: null, reason }, { config: ctx.config, secret: ctx.secret, now: () => now });
      return { number: ticket.number, reason: c.reason };
    },
  );
}
