/**
 * assignToMe, closeTicket, reopenTicket, escalateTicket: small state changes, each one event with
 * the actor (status changes through change-status.ts) and the matching notification.
 */
import { Person } from '../entities/index.js';
import { TicketStatus } from '../entities/enums.js';
import { notify } from '../outbound/notify.js';
import { changeStatus } from './change-status.js';
import { recordEvent } from './record-event.js';
import { addNote } from './reply-to-ticket.js';
import { checkText, failure, isFailure, ticketToWork, type TicketCommandContext, type TicketResult } from './ticket-command.js';

export async function assignToMe(ctx: TicketCommandContext, number: number): Promise<TicketResult> {
  const ticket = await ticketToWork(ctx, number);
  if (isFailure(ticket)) return ticket;
  if (ticket.assignee?.id !== ctx.actor.id) {
    const before = ticket.assignee ? (await ctx.em.findOneOrFail(Person, ticket.assignee.id)).email : null;
    recordEvent(ctx.em, ticket, { kind: 'assignee', actor: ctx.actor, from: before, to: ctx.actor.email });
    ticket.assignee = ctx.actor;
    ticket.updatedAt = new Date();
    await ctx.em.flush();
  }
  return { ok: true, value: ticket };
}

export async function closeTicket(ctx: TicketCommandContext, number: number): Promise<TicketResult> {
  const ticket = await ticketToWork(ctx, number);
  if (isFailure(ticket)) return ticket;
  if (ticket.status === TicketStatus.CLOSED) return failure(['number'], `ticket #${number} is already closed`);
  if (ticket.status === TicketStatus.PENDING_APPROVAL) return failure(['number'], `ticket #${number} awaits approval: use rejectTicket`);
  await changeStatus(ctx, ticket, TicketStatus.CLOSED);
  ticket.updatedAt = new Date();
  await ctx.em.flush();
  return { ok: true, value: ticket };
}

/** Reopens a closed ticket; the (required) message is kept as an internal note explaining why. */
export async function reopenTicket(ctx: TicketCommandContext, number: number, message: string): Promise<TicketResult> {
  const problem = checkText('message', message);
  if (problem) return { ok: false, errors: [problem] };
  const ticket = await ticketToWork(ctx, number);
  if (isFailure(ticket)) return ticket;
  if (ticket.status !== TicketStatus.CLOSED) return failure(['number'], `ticket #${number} is not closed`);
  await changeStatus(ctx, ticket, TicketStatus.OPEN, { reason: message });
  await ctx.em.flush();
  return addNote(ctx, number, { body: message });
}

export async function escalateTicket(ctx: TicketCommandContext, number: number, note: string | null | undefined): Promise<TicketResult> {
  if (note != null && note.trim() !== '') {
    const problem = checkText('note', note);
    if (problem) return { ok: false, errors: [problem] };
  }
  const ticket = await ticketToWork(ctx, number);
  if (isFailure(ticket)) return ticket;
  const text = note?.trim() ? note : null;
  recordEvent(ctx.em, ticket, { kind: 'escalated', actor: ctx.actor, detail: text ? { note: text } : null });
  ticket.updatedAt = new Date();
  await notify(ctx.em, { kind: 'escalated', ticket, note: text, actor: ctx.actor }, ctx.notify);
  return { ok: true, value: ticket };
}
