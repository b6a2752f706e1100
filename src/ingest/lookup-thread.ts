/**
 * Database look-ups behind the threading decision: which tickets the referenced Message-IDs
 * belong to, who may post to a ticket by its [#N] tag, which ticket already holds an answer to a
 * message, and which ticket a bounce is about.
 */
import type { Em } from '../db/orm.js';
import { Message, OutboundDelivery, Ticket } from '../entities/index.js';
import { checkOurMessageId, messageIdDomain } from '../mail/headers.js';
import { isRelayMessageId } from '../outbound/relay-message-id.js';
import { colleagueDomains } from '../people/organizations.js';
import { isThirdParty } from '../tickets/third-party.js';
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
  for (const [id, ticketId] of await relayedMessageTickets(em, foreign)) if (!byId.has(id)) byId.set(id, ticketId);
  const ours = [...new Set(verified.values())];
  const existing = ours.length ? new Set((await em.find(Ticket, { id: { $in: ours } }, { fields: ['id'] })).map((t) => t.id)) : new Set<number>();
  const tickets = ids.map((id) => {
    const mine = verified.get(id);
    if (mine !== undefined) return existing.has(mine) ? mine : null;
    return byId.get(id) ?? null;
  });
  return { tickets, forged };
}

/** The tickets of our mail whose Message-ID a relay replaced with one of `ids` (Amazon SES). */
async function relayedMessageTickets(em: Em, ids: readonly string[]): Promise<Map<string, number>> {
  const relayed = ids.filter(isRelayMessageId);
  if (relayed.length === 0) return new Map();
  const rows = await em.execute<{ relay_message_id: string; ticket_id: number }[]>(
    `select relay_message_id, ticket_id from outbound_delivery where relay_message_id in (?) and ticket_id is not null order by id`,
    [relayed],
  );
  return new Map(rows.map((row) => [row.relay_message_id, Number(row.ticket_id)]));
}

/** The ticket with this number and everyone who may post to it by tag; `sender` decides whether its organisation is needed. */
export function lookupTaggedTicket(em: Em, number: number, sender: string | null): Promise<TaggedTicket | null> {
  return ticketParticipants(em, { number }, sender);
}

/**
 * How long after an answer its original may still arrive and join the answer's ticket (threading
 * rule 3): far longer than mail waits in a sender's queue (about 5 days) or an admin takes to
 * retry a quarantined message, short enough that a Message-ID a broken sender reuses much later
 * does not join an old thread.
 */
export const ANSWER_BEFORE_ORIGINAL_DAYS = 30;

/**
 * The ticket of the first stored message, at most ANSWER_BEFORE_ORIGINAL_DAYS old, whose
 * In-Reply-To or References names `messageId` (a real one: the caller never passes a synthetic
 * ID), with everyone who may post to it. Indexed: message_in_reply_to_idx, message_references_idx.
 */
export async function lookupAnsweredTicket(em: Em, messageId: string, sender: string | null, now: Date): Promise<TaggedTicket | null> {
  const since = new Date(now.getTime() - ANSWER_BEFORE_ORIGINAL_DAYS * 86_400_000);
  // Two indexed scans joined by UNION ALL: with OR the planner walks the primary key through the
  // whole table when nothing matches, the usual case (75 ms at 300,000 messages, against 0.1 ms).
  const [row] = await em.execute<{ ticket_id: number }[]>(
    `select ticket_id from (
       select id, ticket_id, created_at from message where in_reply_to = ?
       union all
       select id, ticket_id, created_at from message where "references" @> array[?]::text[]
     ) answers where created_at > ? order by id limit 1`,
    [messageId, messageId, since],
  );
  return row ? ticketParticipants(em, { id: Number(row.ticket_id) }, sender) : null;
}

/**
 * The ticket's participants (with the sender when a forward of the ticket named them,
 * tickets/third-party.ts), and its requester's organisation domains only when they can matter:
 * a sender already on the ticket (the usual tagged reply) or an unparseable one costs no look-up.
 */
async function ticketParticipants(em: Em, where: { number: number } | { id: number }, sender: string | null): Promise<TaggedTicket | null> {
  const ticket = await em.findOne(Ticket, where, { populate: ['requester', 'ccs', 'watchers', 'queue.agents'] });
  if (!ticket) return null;
  const participants = new Set<string>([ticket.requester.email]);
  for (const p of ticket.ccs) participants.add(p.email);
  for (const p of ticket.watchers) participants.add(p.email);
  for (const p of ticket.queue?.agents ?? []) participants.add(p.email);
  if (sender === null || participants.has(sender)) return { id: ticket.id, participants };
  // Someone an agent forwarded the ticket to, whose own help desk answers under the tag without our Message-ID.
  if (await isThirdParty(em, ticket, sender)) return { id: ticket.id, participants: participants.add(sender) };
  return { id: ticket.id, participants, colleagueDomains: await colleagueDomains(em, ticket.requester.email) };
}

/** How many merges in a row a reply follows (a chain A → B → C; merges cannot form a cycle). */
const MAX_MERGE_HOPS = 10;

/**
 * Locks the ticket a reply joins, as an API command locks it (ticketToWork): a reply and an agent's
 * change to the same ticket take turns. A ticket merged into another passes its mail on to that
 * one (merge-tickets.ts), in the same round trip as the lock when it was not merged.
 * @returns the id of the ticket the reply joins
 */
export async function lockReplyTicket(em: Em, ticketId: number): Promise<number> {
  let id = ticketId;
  for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
    const [row] = await em.execute<{ merged_into_id: number | null }[]>('select merged_into_id from ticket where id = ? for update', [id]);
    if (!row?.merged_into_id) return id;
    id = Number(row.merged_into_id);
  }
  return id;
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
  // Ours, or the one a relay put in its place (SES: a DSN returns what went over the wire).
  const sent = isRelayMessageId(messageId) ? { relayMessageId: messageId } : { messageId };
  const delivery = await em.findOne(OutboundDelivery, { ...sent, ticket: { $ne: null } }, { populate: ['ticket'] });
  if (delivery?.ticket) return { ticket: delivery.ticket };
  const check = checkOurMessageId(ctx.secret, messageIdDomain(ctx.config.supportAddress), messageId);
  if (check.kind !== 'ours') return null;
  const ticket = await em.findOne(Ticket, check.ticketId);
  return ticket ? { ticket } : null;
}
