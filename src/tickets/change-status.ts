/**
 * The one way a person changes a ticket's status: closedAt kept in step, a `status` event with
 * actor and old → new, and the status notification — used by updateTicket, close, reopen,
 * approve and reject alike. `setStatus` is the part every status change shares, automatic ones too.
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
  /** false: nobody is mailed (a spam ticket's sender must not hear that it was closed). */
  options: { mail: boolean } = { mail: true },
): Promise<void> {
  const from = ticket.status;
  if (from === to) return;
  setStatus(ticket, to);
  recordEvent(ctx.em, ticket, { kind: 'status', actor, from, to, detail });
  if (!options.mail) return;
  const reason = typeof detail?.reason === 'string' ? detail.reason : null;
  await notify(ctx.em, { kind: 'status-changed', ticket, from, to, actor, reason }, ctx.notify);
}

/** The status and what goes with it: closedAt, and a closed ticket awaits no reply and sleeps no more. */
export function setStatus(ticket: Ticket, to: TicketStatus, at: Date = new Date()): void {
  ticket.status = to;
  ticket.closedAt = to === TicketStatus.CLOSED ? at : null;
  if (to === TicketStatus.CLOSED) {
    ticket.awaitingReplySince = null;
    ticket.snoozedUntil = null;
  }
}
