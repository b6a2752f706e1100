/**
 * markAsSpam: closes up to 100 tickets as spam, all or nothing, and mails nobody — closing a spam
 * ticket the usual way would send the "closed" mail to the spammer (backscatter). Each ticket gets
 * a `status` event (→ CLOSED, reason "spam") and a `spam` event. With `blockSenders` (admins only)
 * their requesters' addresses are blocked too (people/blocked-senders.ts), so further mail from
 * them is quarantined instead of reopening the ticket or opening new ones.
 */
import type { Ticket } from '../entities/index.js';
import { TicketStatus } from '../entities/enums.js';
import { forbidden } from '../errors.js';
import { blockingPattern, blockSender } from '../people/blocked-senders.js';
import type { CommandResult } from '../queues/create-queue.js';
import { changeStatus } from './change-status.js';
import { recordEvent } from './record-event.js';
import { failure, isFailure, ticketToWork, type TicketCommandContext } from './ticket-command.js';
import { ascending, bulkNumbers } from './update-tickets.js';

export async function markAsSpam(ctx: TicketCommandContext, numbers: readonly number[], blockSenders: boolean): Promise<CommandResult<Ticket[]>> {
  if (blockSenders && !ctx.scope.admin) throw forbidden('only admins may block senders');
  const index = bulkNumbers(numbers);
  if (isFailure(index)) return index;
  const marked = new Map<number, Ticket>();
  for (const number of ascending(numbers)) {
    const at = ['numbers', String(index.get(number))];
    const ticket = await ticketToWork(ctx, number);
    if (isFailure(ticket)) return failure(at, `#${number}: ${ticket.errors[0]!.message}`);
    if (ticket.status === TicketStatus.PENDING_APPROVAL) return failure(at, `#${number} awaits approval: use rejectTicket`);
    await ctx.em.populate(ticket, ['requester']);
    await changeStatus(ctx, ticket, TicketStatus.CLOSED, { reason: 'spam' }, ctx.actor, { mail: false });
    recordEvent(ctx.em, ticket, { kind: 'spam', actor: ctx.actor, to: ticket.requester.email, detail: blockSenders ? { blocked: true } : null });
    ticket.updatedAt = new Date();
    if (blockSenders && !(await blockingPattern(ctx.em, ticket.requester.email))) {
      await blockSender(ctx.em, { pattern: ticket.requester.email, note: `spam: ticket #${ticket.number}` }, ctx.actor, ctx.notify.config);
    }
    marked.set(number, ticket);
  }
  await ctx.em.flush();
  return { ok: true, value: numbers.map((number) => marked.get(number)!) };
}
