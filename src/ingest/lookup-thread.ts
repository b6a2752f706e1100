/**
 * Database look-ups behind the threading decision: which tickets the referenced Message-IDs
 * belong to, and who may post to a ticket by its [#N] tag.
 */
import type { Em } from '../db/orm.js';
import { Message, Ticket } from '../entities/index.js';
import { checkOurMessageId } from '../mail/headers.js';
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
