import type { Em } from '../db/orm.js';
import { TicketEvent, type Person, type Ticket } from '../entities/index.js';

export interface EventInput {
  kind: string;
  actor?: Person | null;
  /** For system actors: `system`, `mailbox:<name>`, `rule:<name>` … */
  actorLabel?: string | null;
  from?: string | null;
  to?: string | null;
  detail?: Record<string, unknown> | null;
}

/** Adds one audit event to a ticket's history (or an admin event when ticket is null). */
export function recordEvent(em: Em, ticket: Ticket | null, input: EventInput): TicketEvent {
  const event = new TicketEvent(ticket, input.kind);
  event.actor = input.actor ?? null;
  event.actorLabel = input.actorLabel ?? (input.actor ? null : 'system');
  event.fromValue = input.from ?? null;
  event.toValue = input.to ?? null;
  event.detail = input.detail ?? null;
  em.persist(event);
  return event;
}
