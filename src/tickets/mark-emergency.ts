import type { Em } from '../db/orm.js';
import type { Message, Person, Ticket } from '../entities/index.js';
import { Priority, TicketType } from '../entities/enums.js';
import { isEmergencyTicket } from '../outbound/ingest-notifications.js';
import { notify } from '../outbound/notify.js';
import { recordEvent } from './record-event.js';
import type { TicketCommandContext } from './ticket-command.js';

/**
 * Makes a ticket an URGENT INCIDENT with an `emergency` event (which the outbound work turns into
 * pages), once: a ticket that already is one is left alone.
 * @returns whether the ticket changed
 */
export function markEmergency(em: Em, ticket: Ticket, by: { actor?: Person | null; actorLabel: string }): boolean {
  if (ticket.priority === Priority.URGENT && ticket.type === TicketType.INCIDENT) return false;
  recordEvent(em, ticket, { kind: 'priority', actor: by.actor ?? null, actorLabel: by.actor ? null : by.actorLabel, from: ticket.priority, to: Priority.URGENT });
  ticket.priority = Priority.URGENT;
  ticket.type = TicketType.INCIDENT;
  recordEvent(em, ticket, { kind: 'emergency', actorLabel: by.actorLabel });
  return true;
}

/**
 * After an agent's change (updateTicket, createTicket): a ticket that has just become an URGENT
 * INCIDENT pages on-call at once, whoever made it one (PRODUCT.md: "urgent pages on-call engineers
 * immediately"), with an `emergency` event naming the agent. Nothing when it already was one.
 * @param message what the page quotes (createTicket's first message), or none
 */
export async function pageIfBecameEmergency(ctx: TicketCommandContext, ticket: Ticket, wasEmergency: boolean, message: Message | null = null): Promise<void> {
  if (wasEmergency || !isEmergencyTicket(ticket)) return;
  recordEvent(ctx.em, ticket, { kind: 'emergency', actor: ctx.actor });
  await notify(ctx.em, { kind: 'emergency', ticket, message }, ctx.notify);
}
