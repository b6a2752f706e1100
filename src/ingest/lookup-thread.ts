/**
 * Database look-ups behind the threading decision: which tickets the referenced Message-IDs
 * belong to, who may post to a ticket by its [#N] tag, and which ticket a bounce is about.
 */
import type { Em } from '../db/orm.js';
import { Message, OutboundDelivery, Ticket } from '../entities/index.js';
import { checkOurMessageId, messageIdDomain } from '../mail/headers.js';
import type { TaggedTicket } from './thread.js';

export interface ReferenceLookup {
  /** Ticket id per reference, in the order given; null where the ID is unknown or forged. */
  tickets: (number | null)[];
  /** References shaped like ours whose HMAC failed (flagged on the message). */
  forged: string[];
}

export async function lookupReferences(em: Em, ids: readonly string[], secret: string, domain: string): Promise<ReferenceLookup> {
  if (ids.length === 0) return { tickets: [], forged: [] };
  const forged: string[] = [];
  const verified = new Map<string, number>();
  const foreign: string[] = [];
  for (const id of ids) {
    const check = checkOurMessageId(secret, domain, id);
    if (check.kind === 'forged') forged.push(id);
    else if (check.kind === 'ours') verified.set(id, check.ticketId);
    else foreign.push(id);
  }
  // Synthetic IDs (hash of raw bytes) de-duplicate but never thread; empty IDs never match.
  const rows = foreign.length
    ? await em.find(Message, { messageId: { $in: foreign }, messageIdSynthetic: false }, { fields: ['messageId', 'ticket'], orderBy: { id: 'asc' } })
    : [];
  const byId = new Map<string, number>();
  for (const row of rows) if (row.messageId && !byId.has(row.messageId)) byId.set(row.messageId, row.ticket.id);
  const ours = [...new Set(verified.values())];
  const existing = ours.length ? new Set((await em.find(Ticket, { id: { $in: ours } }, { fields: ['id'] })).map((t) => t.id)) : new Set<number>();
  const tickets = ids.map((id) => {
    const mine = verified.get(id);
    if (mine !== undefined) return existing.has(mine) ? mine : null;
    return byId.get(id) ?? null;
  });
  return { tickets, forged };
}

/** The ticket with this number and everyone who may post to it by tag. */
export async function lookupTaggedTicket(em: Em, number: number): Promise<TaggedTicket | null> {
  const ticket = await em.findOne(Ticket, { number }, { populate: ['requester', 'ccs', 'watchers', 'queue.agents'] });
  if (!ticket) return null;
  const participants = new Set<string>([ticket.requester.email]);
  for (const p of ticket.ccs) participants.add(p.email);
  for (const p of ticket.watchers) participants.add(p.email);
  for (const p of ticket.queue?.agents ?? []) participants.add(p.email);
  return { id: ticket.id, participants };
}

/**
 * The ticket a delivery failure notice is about, from the Message-ID of the bounced message; null
 * when postdesk never stored or sent it.
 *
 * Most mail postdesk sends is not a `message` row: acknowledgements, status mails, notifications
 * and pages exist only as outbox rows (outbound_delivery, src/outbound/mailer.ts). So, in order:
 *  1. a stored message (an agent's reply, or a customer's mail someone's server bounced back);
 *  2. an outbox row with that Message-ID;
 *  3. an ID of ours whose HMAC verifies (`pd.<ticket>.<delivery>.<hmac>@domain`, mail/headers.ts):
 *     the ticket it names, even if its outbox row is gone. A forged ID never matches (TESTPLAN S4).
 * Returned as `{ ticket }`, the shape of the message row it replaces at the caller.
 */
export async function lookupBouncedMessage(
  em: Em,
  messageId: string | null,
  ctx: { readonly secret: string; readonly config: { readonly supportAddress: string } },
): Promise<{ ticket: Ticket } | null> {
  if (!messageId) return null;
  const stored = await em.findOne(Message, { messageId, messageIdSynthetic: false }, { populate: ['ticket'], orderBy: { id: 'asc' } });
  if (stored) return stored;
  const delivery = await em.findOne(OutboundDelivery, { messageId, ticket: { $ne: null } }, { populate: ['ticket'] });
  if (delivery?.ticket) return { ticket: delivery.ticket };
  const check = checkOurMessageId(ctx.secret, messageIdDomain(ctx.config.supportAddress), messageId);
  if (check.kind !== 'ours') return null;
  const ticket = await em.findOne(Ticket, check.ticketId);
  return ticket ? { ticket } : null;
}
