/**
 * approveTicket / rejectTicket: only ADMIN, the ticket's category approver or its queue's approver,
 * only while the ticket is PENDING_APPROVAL. Approve → OPEN; reject → CLOSED with the reason. Both are recorded
 * (an `approved`/`rejected` event and the status event) and notified.
 */
import { LockMode } from '@mikro-orm/core';
import { Ticket } from '../entities/index.js';
import { TicketStatus } from '../entities/enums.js';
import { forbidden } from '../errors.js';
import { changeStatus } from './change-status.js';
import { recordEvent } from './record-event.js';
import { checkText, failure, type TicketCommandContext, type TicketResult } from './ticket-command.js';

async function decide(ctx: TicketCommandContext, number: number, approve: boolean, reason: string | null): Promise<TicketResult> {
  if (!approve) {
    const problem = checkText('reason', reason ?? '', 10_000);
    if (problem) return { ok: false, errors: [problem] };
  }
  // Approvers need not work the ticket's queue: the category or queue decides, not the scope.
  // Anyone else who is not an admin is refused whether or not the ticket exists.
  // Locked like ticketToWork's (two approvers at once: one decides, the other is told it is decided).
  const ticket = Number.isInteger(number) ? await ctx.em.findOne(Ticket, { number }, { lockMode: LockMode.PESSIMISTIC_WRITE }) : null;
  if (ticket) await ctx.em.populate(ticket, ['category', 'queue']);
  if (!ctx.scope.admin && (!ticket || !approverIds(ticket).includes(ctx.actor.id))) {
    throw forbidden('only an admin, the category approver or the queue approver may decide on this ticket');
  }
  if (!ticket) return failure(['number'], `no ticket #${number}`);
  if (ticket.status !== TicketStatus.PENDING_APPROVAL) return failure(['number'], `ticket #${number} is not awaiting approval`);
  recordEvent(ctx.em, ticket, { kind: approve ? 'approved' : 'rejected', actor: ctx.actor, detail: reason ? { reason } : null });
  await changeStatus(ctx, ticket, approve ? TicketStatus.OPEN : TicketStatus.CLOSED, reason ? { reason } : null);
  ticket.updatedAt = new Date();
  await ctx.em.flush();
  return { ok: true, value: ticket };
}

/** The people besides admins who may decide: the category's approver and the queue's approver. */
function approverIds(ticket: Ticket): number[] {
  return [ticket.category?.approver?.id, ticket.queue?.approver?.id].filter((id): id is number => id !== undefined);
}

export const approveTicket = (ctx: TicketCommandContext, number: number) => decide(ctx, number, true, null);
export const rejectTicket = (ctx: TicketCommandContext, number: number, reason: string) => decide(ctx, number, false, reason);
