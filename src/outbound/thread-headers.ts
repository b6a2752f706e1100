/**
 * In-Reply-To and References for a mail about a ticket: the Message-IDs the ticket's thread already
 * holds (stored inbound and outbound messages; never synthetic IDs, internal notes or third-party mail), oldest
 * first, so a mail client files our mail under the customer's conversation.
 */
import type { Em } from '../db/orm.js';
import { Message, OutboundDelivery, type Ticket } from '../entities/index.js';
import { MessageDirection } from '../entities/enums.js';
import { THIRD_PARTY_FLAG } from '../tickets/third-party.js';

export interface ThreadHeaders {
  inReplyTo: string | null;
  references: string[];
}

/**
 * @param answering the message this mail answers (In-Reply-To); else the thread's newest message
 * @param exclude the message this mail carries (an agent's reply), which is not its own ancestor
 */
export async function threadHeaders(em: Em, ticket: Ticket, answering: Message | null, exclude: Message | null = null): Promise<ThreadHeaders> {
  const rows = await em.find(
    Message,
    { ticket, messageIdSynthetic: false, messageId: { $ne: null }, direction: { $ne: MessageDirection.NOTE } },
    { fields: ['messageId', 'flags'], orderBy: { id: 'asc' } },
  );
  // Mail from people the ticket was forwarded to is not the customer's thread: their Message-IDs never reach the customer.
  const ids = rows.filter((m) => m.id !== exclude?.id && !m.flags.includes(THIRD_PARTY_FLAG)).map((m) => m.messageId!);
  // Our acknowledgement starts the thread on the customer's side when they have no Message-ID of their own.
  if (ids.length === 0) {
    const first = await em.findOne(OutboundDelivery, { ticket, kind: { $like: 'acknowledgement%' } }, { fields: ['messageId'], orderBy: { createdAt: 'asc', id: 'asc' } });
    if (first) ids.push(first.messageId);
  }
  const own = answering && threadable(answering) ? answering.messageId : null;
  const references = referencesOf(ids);
  return { inReplyTo: own ?? references.at(-1) ?? null, references };
}

/** References from a thread's Message-IDs, oldest first: each once, the first (the thread's root) and the 19 most recent. */
export function referencesOf(ids: readonly string[]): string[] {
  const unique = [...new Set(ids)];
  return unique.length > 20 ? [unique[0]!, ...unique.slice(-19)] : unique;
}

/**
 * threadHeaders of a ticket opened in this transaction, whose only message is `first` and which has
 * sent nothing yet: the same answer without its lookups (a new ticket's acknowledgement, the
 * commonest mail, saves a round trip).
 */
export function firstMessageThread(first: Message): ThreadHeaders {
  const own = threadable(first) ? first.messageId : null;
  return { inReplyTo: own, references: own !== null && first.direction !== MessageDirection.NOTE ? [own] : [] };
}

/** A Message-ID others can thread on: stored, and not synthetic. */
function threadable(message: Message): message is Message & { messageId: string } {
  return !message.messageIdSynthetic && !!message.messageId;
}
