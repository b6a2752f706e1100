/**
 * Snoozing: an agent puts a ticket out of the work list until a time ("come back to this on
 * Monday"): `snoozedUntil` is set and `tickets(filter: { snoozed: false })` leaves it out. It wakes
 * when the time comes (automation/wake-snoozed.ts mails the assignee, else the queue's agents),
 * when the customer writes (apply-reply.ts), when an agent ends the snooze, or when it is closed.
 * Each start and end is an event. The status does not change.
 */
import type { Em } from '../db/orm.js';
import type { Person, Ticket, TicketEvent } from '../entities/index.js';
import { TicketStatus } from '../entities/enums.js';
import { recordEvent } from './record-event.js';
import { failure, isFailure, ticketToWork, type TicketCommandContext, type TicketResult } from './ticket-command.js';

/** The furthest a snooze may reach: a year. */
export const MAX_SNOOZE_DAYS = 365;
const MAX_NOTE_CHARS = 1000;

export async function snoozeTicket(ctx: TicketCommandContext, number: number, until: Date, note: string | null): Promise<TicketResult> {
  const now = new Date();
  if (!(until.getTime() > now.getTime())) return failure(['until'], 'must be in the future');
  if (until.getTime() - now.getTime() > MAX_SNOOZE_DAYS * 86_400_000) return failure(['until'], `must be at most ${MAX_SNOOZE_DAYS} days ahead`);
  const reason = note?.trim() || null;
  if (reason && reason.length > MAX_NOTE_CHARS) return failure(['note'], `must be at most ${MAX_NOTE_CHARS} characters`);
  const ticket = await ticketToWork(ctx, number);
  if (isFailure(ticket)) return ticket;
  if (ticket.status === TicketStatus.CLOSED) return failure(['number'], `ticket #${number} is closed`);
  if (ticket.status === TicketStatus.PENDING_APPROVAL) return failure(['number'], `ticket #${number} awaits approval`);
  recordEvent(ctx.em, ticket, { kind: 'snoozed', actor: ctx.actor, from: ticket.snoozedUntil?.toISOString() ?? null, to: until.toISOString(), detail: reason ? { note: reason } : null });
  ticket.snoozedUntil = until;
  ticket.updatedAt = now;
  await ctx.em.flush();
  return { ok: true, value: ticket };
}

/** Ends a ticket's snooze: the `snooze-ended` event (who or what ended it, and why), and the time cleared. */
export function endSnooze(em: Em, ticket: Ticket, by: { actor?: Person | null; actorLabel?: string }, reason: string): TicketEvent {
  const event = recordEvent(em, ticket, { kind: 'snooze-ended', ...by, from: ticket.snoozedUntil?.toISOString() ?? null, detail: { reason } });
  ticket.snoozedUntil = null;
  return event;
}

export async function unsnoozeTicket(ctx: TicketCommandContext, number: number): Promise<TicketResult> {
  const ticket = await ticketToWork(ctx, number);
  if (isFailure(ticket)) return ticket;
  if (!ticket.snoozedUntil) return failure(['number'], `ticket #${number} is not snoozed`);
  endSnooze(ctx.em, ticket, { actor: ctx.actor }, 'ended by an agent');
  ticket.updatedAt = new Date();
  await ctx.em.flush();
  return { ok: true, value: ticket };
}
