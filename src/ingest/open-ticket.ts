/** A new ticket from an inbound message: requester, CCs, queue, emergency, first message, events. */
import type { Config } from '../config/env.js';
import type { Em } from '../db/orm.js';
import { Queue, Ticket, type Message } from '../entities/index.js';
import { Priority, TicketType } from '../entities/enums.js';
import { DEFAULT_QUEUE_NAME } from '../bootstrap.js';
import { findOrCreatePerson } from '../people/find-or-create-person.js';
import { recordEvent } from '../tickets/record-event.js';
import { ownAddresses } from './own-addresses.js';
import { addCcs } from './people.js';
import { provenanceLabel } from './store.js';
import { writeInboundMessage, type InboundMessageInput } from './write-message.js';

export interface OpenTicketInput extends InboundMessageInput {
  linkedTo: Ticket | null;
  linkReason: string;
  emergency: boolean;
  config: Config;
}

export async function openTicket(em: Em, input: OpenTicketInput): Promise<{ ticket: Ticket; message: Message }> {
  const { parsed, config } = input;
  const requester = input.author ?? (await findOrCreatePerson(em, `unknown-sender@${'postdesk.invalid'}`));
  const ticket = new Ticket(parsed.subject.trim() || '(no subject)', requester);
  ticket.createdAt = input.receivedAt;
  ticket.updatedAt = input.receivedAt;
  ticket.linkedTo = input.linkedTo;
  ticket.queue = await chooseQueue(em, input);
  if (input.emergency) {
    ticket.priority = Priority.URGENT;
    ticket.type = TicketType.INCIDENT;
  }
  em.persist(ticket);
  const message = writeInboundMessage(em, ticket, input);
  const actorLabel = provenanceLabel(input.provenance);
  recordEvent(em, ticket, { kind: 'created', actor: input.author, to: ticket.queue?.name ?? null });
  if (input.linkedTo) recordEvent(em, ticket, { kind: 'linked', actorLabel, to: String(input.linkedTo.number), detail: { reason: input.linkReason } });
  if (input.emergency) recordEvent(em, ticket, { kind: 'emergency', actorLabel });
  if (parsed.refused.length > 0) recordEvent(em, ticket, { kind: 'attachments-refused', actorLabel, detail: { refused: parsed.refused } });
  const exclude = new Set([...ownAddresses(config), requester.email]);
  await addCcs(em, ticket, [...parsed.to, ...parsed.cc], exclude, input.author);
  return { ticket, message };
}

/** A queue whose address the message was sent to (To/Cc), else the default queue. Keyword
 * routing and rules refine this (src/rules). */
async function chooseQueue(em: Em, input: OpenTicketInput): Promise<Queue | null> {
  const addresses = [...input.parsed.to, ...input.parsed.cc].map((a) => a.email);
  if (input.provenance.mailbox?.address) addresses.push(input.provenance.mailbox.address);
  if (addresses.length > 0) {
    const byAddress = await em.findOne(Queue, { emailAddress: { $in: addresses } }, { orderBy: { id: 'asc' } });
    if (byAddress) return byAddress;
  }
  return em.findOne(Queue, { name: DEFAULT_QUEUE_NAME });
}
