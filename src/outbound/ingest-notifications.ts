/**
 * What the inbound pipeline tells the outbound side, in the ingest transaction: kept here so
 * ingest-message.ts needs only one call per outcome.
 */
import type { Em } from '../db/orm.js';
import type { Message, Ticket } from '../entities/index.js';
import { Priority, TicketStatus, TicketType } from '../entities/enums.js';
import type { RefusedAttachment } from '../ingest/types.js';
import { notify, type NotifyContext } from './notify.js';

/** markEmergency's mark: an URGENT INCIDENT. */
export function isEmergencyTicket(ticket: Ticket): boolean {
  return ticket.priority === Priority.URGENT && ticket.type === TicketType.INCIDENT;
}

/** A new ticket: pages first (emergency), then acknowledgement, watchers and webhook, approval request, refusal notice. */
export async function notifyNewTicket(
  em: Em,
  opened: { ticket: Ticket; message: Message; emergency: boolean },
  acknowledge: boolean,
  refused: readonly RefusedAttachment[],
  ctx: NotifyContext,
): Promise<void> {
  const { ticket, message, emergency } = opened;
  if (emergency) await notify(em, { kind: 'emergency', ticket, message }, ctx);
  await notify(em, { kind: 'ticket-created', ticket, message, acknowledge, emergency }, ctx);
  if (ticket.status === TicketStatus.PENDING_APPROVAL) await notify(em, { kind: 'approval-requested', ticket }, ctx);
  if (refused.length > 0) await notify(em, { kind: 'attachments-refused', ticket, message, refused }, ctx);
}

/** A comment on an existing ticket; `becameEmergency` when this message made it one. */
export async function notifyInboundComment(em: Em, ticket: Ticket, message: Message, becameEmergency: boolean, refused: readonly RefusedAttachment[], ctx: NotifyContext): Promise<void> {
  if (becameEmergency) await notify(em, { kind: 'emergency', ticket, message }, ctx);
  await notify(em, { kind: 'inbound-comment', ticket, message }, ctx);
  if (refused.length > 0) await notify(em, { kind: 'attachments-refused', ticket, message, refused }, ctx);
}
