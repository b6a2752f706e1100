import type { Em } from '../db/orm.js';
import type { Person, Ticket } from '../entities/index.js';
import { Priority, TicketType } from '../entities/enums.js';
import { recordEvent } from './record-event.js';

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
