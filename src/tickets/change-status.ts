/**
 * The one way a person changes a ticket's status: closedAt kept in step, a `status` event with
 * actor and old → new, and the status notification — used by updateTicket, close, reopen,
 * approve and reject alike.
 */
import type { Person, Ticket } from '../entities/index.js';
import { TicketStatus } from '../entities/enums.js';
import { notify } from '../outbound/notify.js';
import { recordEvent } from './record-event.js';
import type { TicketCommandContext } from './ticket-command.js';

export async function changeStatus(
  ctx: TicketCommandContext,
  ticket: Ticket,
  to: TicketStatus,
  detail: Record<string, unknown> | null = null,
  actor: Person = ctx.actor,
): Promise<void> {
  const from = ticket.status;
  if (from === to) return;
  ticket.status = to;
  ticket.closedAt = to === TicketStatus.CLOSED ? new Date() : null;
  recordEvent(ctx.em, ticket, { kind: 'status', actor, from, to, detail });
  const reason = typeof detail?.reason === 'string' ? detail.reason : null;
  await notify(ctx.em, { kind: 'status-changed', ticket, from, to, actor, reason }, ctx.notify);
}
