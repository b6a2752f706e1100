/**
 * A new ticket from an inbound message: requester, CCs, routing (queue, rules, emergency), the
 * category's fields given in the mail ("Instance ID: i-0abc"), first message, events.
 */
import type { Config } from '../config/env.js';
import type { Em } from '../db/orm.js';
import { Ticket, type Message } from '../entities/index.js';
import { subjectOfItsOwn } from '../mail/headers.js';
import { emailDomain } from '../people/email-address.js';
import { findOrCreatePerson } from '../people/find-or-create-person.js';
import { fillFieldsFromMail } from '../tickets/category-fields.js';
import { recordEvent } from '../tickets/record-event.js';
import type { ForwardedOriginal } from './forwarded.js';
import type { ParsedAddress } from './types.js';
import { ownAddresses } from './own-addresses.js';
import { refusalRecord } from './parse/attachments.js';
import { addCcs } from './people.js';
import { applyRouting, recordRoutingSteps } from '../routing/apply-routing.js';
import { decide, type RoutingDecision } from '../routing/decide.js';
import { messageFacts, type Arrival } from '../routing/facts.js';
import { loadRuleSet } from '../routing/rule-set.js';
import { provenanceLabel, type Provenance } from './store.js';
import { writeInboundMessage, type InboundMessageInput } from './write-message.js';

export interface OpenTicketInput extends InboundMessageInput {
  linkedTo: Ticket | null;
  linkReason: string;
  emergency: boolean;
  /** Automatic mail (classify.ts): stored and routed, but it fills no field. */
  automatic: boolean;
  /**
   * Staff forwarded a customer's mail (forwarded.ts, `forwarded`) or wrote to a customer with support
   * copied in (staff-mail.ts, `staff-mail`): the ticket is the customer's. `how` is the message's
   * flag and the event's kind.
   */
  onBehalf?: { original: ForwardedOriginal; how: 'forwarded' | 'staff-mail' } | null;
  /** The mail's Reply-To names the customer (a web form's mail): the ticket is theirs. */
  replyTo?: ParsedAddress | null;
  config: Config;
}

export interface OpenedTicket {
  ticket: Ticket;
  message: Message;
  /** How it was routed; `routing.emergency` and `routing.acknowledge` include what rules decided. */
  routing: RoutingDecision;
}

export async function openTicket(em: Em, input: OpenTicketInput): Promise<OpenedTicket> {
  const { parsed, config } = input;
  const original = input.onBehalf?.original ?? null;
  const onBehalfOf = original?.from ?? input.replyTo ?? null;
  const requester = onBehalfOf
    ? await findOrCreatePerson(em, onBehalfOf.email, onBehalfOf.name)
    : (input.author ?? (await findOrCreatePerson(em, `unknown-sender@${'postdesk.invalid'}`)));
  const subject = original ? (original.subject ?? subjectOfItsOwn(parsed.subject)) : parsed.subject.trim();
  const ticket = new Ticket(subject || '(no subject)', requester);
  ticket.createdAt = input.receivedAt;
  ticket.updatedAt = input.receivedAt;
  ticket.linkedTo = input.linkedTo;
  // Someone wrote and waits for an answer; automatic mail (alerts, newsletters) waits for no one,
  // nor does a customer whom staff just wrote to.
  if (!input.automatic && input.onBehalf?.how !== 'staff-mail') ticket.awaitingReplySince = input.receivedAt;
  em.persist(ticket);
  // Rules see the customer who wrote the original, as if they had written to us themselves.
  const facts = messageFacts(parsed, arrivalOf(input.provenance));
  const routing = decide(await loadRuleSet(em, config.defaultQueue), original ? { ...facts, from: requester.email, fromDomain: emailDomain(requester.email) } : facts, { emergency: input.emergency });
  const exclude = new Set([...ownAddresses(config), requester.email, ...(onBehalfOf && input.author ? [input.author.email] : [])]);
  await applyRouting(em, ticket, routing, exclude);
  const message = writeInboundMessage(em, ticket, input.onBehalf ? { ...input, flags: [...input.flags, input.onBehalf.how] } : input);
  const actorLabel = provenanceLabel(input.provenance);
  recordEvent(em, ticket, { kind: 'created', actor: input.author, to: ticket.queue?.name ?? null });
  if (input.onBehalf) recordEvent(em, ticket, { kind: input.onBehalf.how, actor: input.author, to: requester.email });
  if (input.replyTo) recordEvent(em, ticket, { kind: 'requester-from-reply-to', actor: input.author, to: requester.email });
  recordRoutingSteps(em, ticket, routing);
  // Automatic mail and mail failing an enforcing DMARC policy speak for no one: they fill nothing.
  if (!input.automatic && !input.provenance.auth?.enforcingFail) fillFieldsFromMail(em, ticket, ticket.category, parsed.visibleText, input.author);
  if (input.linkedTo) recordEvent(em, ticket, { kind: 'linked', actorLabel, to: String(input.linkedTo.number), detail: { reason: input.linkReason } });
  if (input.emergency) recordEvent(em, ticket, { kind: 'emergency', actorLabel });
  if (parsed.refused.length > 0) recordEvent(em, ticket, { kind: 'attachments-refused', actorLabel, detail: { refused: parsed.refused.map(refusalRecord) } });
  // A forward's own recipients are the agent's audience; the original's CCs are the customer's (for
  // staff mail: its other customers, staff-mail.ts).
  await addCcs(em, ticket, original ? original.cc : [...parsed.to, ...parsed.cc], exclude, input.author);
  return { ticket, message, routing };
}

/** Where rules see the mail arrived: the IMAP mailbox, else the door (`smtp`, `pipe`), and the SMTP envelope's recipients. */
function arrivalOf(provenance: Provenance): Arrival {
  return { name: provenance.mailbox?.name ?? provenance.door.toLowerCase(), address: provenance.mailbox?.address ?? null, envelopeRecipients: provenance.envelope?.recipients };
}
