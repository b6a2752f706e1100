/**
 * splitTicket: a customer's mail on a ticket raises a new matter ("thanks, that works — and now
 * the scanner is broken too"). The message moves, with its attachments and the mail that answers
 * it (inbound messages on the same ticket whose In-Reply-To leads back to it), to a new ticket of
 * its own: requested by the message's author, in the same queue or one the agent names, linked to
 * the ticket it came from (`linkedTo`), waiting for a reply since the message arrived.
 *
 * Threading stays right because the messages move rather than being copied: a reply to the split
 * message finds it, by its Message-ID, on the new ticket (threading rule 1), while replies to our
 * mail on the old ticket stay there. The author (and the people the message was addressed to, as
 * CCs) are told the new number in the message's own thread (`ticket-split`), so their next reply
 * carries it; automatic mail is told nothing. Queue watchers and the new-ticket webhook hear of it
 * as of any new ticket.
 *
 * Only inbound mail moves: our replies and internal notes were written on the old ticket (our
 * Message-IDs name it), and the ticket's first message is the ticket itself.
 */
import { lockKeys, messageIdLock } from '../db/advisory-locks.js';
import { Message, Ticket } from '../entities/index.js';
import { MessageDirection } from '../entities/enums.js';
import { findVisibleQueue } from '../graphql/ticket-access.js';
import { ownAddresses } from '../ingest/own-addresses.js';
import { addCcs } from '../ingest/people.js';
import { subjectOfItsOwn } from '../mail/headers.js';
import { notify } from '../outbound/notify.js';
import { recordEvent } from './record-event.js';
import { checkText, failure, isFailure, ticketToWork, type TicketCommandContext, type TicketResult } from './ticket-command.js';

export interface SplitTicketInput {
  number: number;
  /** Message.id of the inbound message that starts the new ticket. */
  messageId: string;
  /** The new ticket's subject; default: the message's, without reply prefixes and [#N] tags. */
  subject?: string | null;
  /** The new ticket's queue by name (agents: one they work); default: the old ticket's queue. */
  queue?: string | null;
}

const MAX_SUBJECT_CHARS = 998;
/** Flags of inbound mail that makes nobody wait for an answer (apply-reply.ts): a machine's, a bare quote, a rating. */
const ASKS_NOTHING = ['automatic', 'quoted-only', 'rating'];

export async function splitTicket(ctx: TicketCommandContext, input: SplitTicketInput): Promise<TicketResult> {
  const { em, actor } = ctx;
  const rowId = /^\d{1,15}$/.test(input.messageId) ? Number(input.messageId) : null;
  // A reply takes the lock of the Message-ID it answers before it reads where that message is,
  // and the ticket's row lock after (ingest-message.ts). Taking the moving messages' locks in the
  // same order makes such a reply wait for the split and then find its original on the new ticket.
  const candidate = rowId === null ? null : await em.findOne(Message, { id: rowId, ticket: { number: input.number } });
  if (candidate) await lockKeys(em, messageIdsOf(await messageWithAnswers(ctx, candidate)).sort().map(messageIdLock));

  const source = await ticketToWork(ctx, input.number);
  if (isFailure(source)) return source;
  const message = rowId === null ? null : await em.findOne(Message, { id: rowId, ticket: source }, { populate: ['author'], refresh: true });
  const refused = (why: string) => failure(['messageId'], why);
  if (!message) return refused(`ticket #${input.number} has no message ${input.messageId}`);
  if (message.direction !== MessageDirection.INBOUND) return refused('only mail that came in can start a ticket of its own: replies and notes stay where they were written');
  if (message.flags.includes('erased') || !message.author) return refused('its sender is unknown or was erased, so it can have no requester');
  const first = await em.findOne(Message, { ticket: source }, { fields: ['id'], orderBy: { id: 'asc' } });
  if (first?.id === message.id) return refused(`it is the message that opened ticket #${input.number}`);
  if (input.subject != null) {
    const problem = checkText('subject', input.subject, MAX_SUBJECT_CHARS);
    if (problem) return failure(['subject'], problem.message);
  }
  await em.populate(source, ['queue']);
  const queue = input.queue != null ? await findVisibleQueue(em, ctx.scope, input.queue.trim()) : source.queue;
  if (input.queue != null && !queue) return failure(['queue'], `no queue named "${input.queue}"`);

  const moving = await messageWithAnswers(ctx, message);
  const ticket = new Ticket(input.subject?.trim() || subjectOfItsOwn(message.subject ?? ''), message.author);
  ticket.queue = queue;
  ticket.linkedTo = source;
  // The author has waited since they wrote, unless their mail asked for nothing.
  if (!message.flags.some((flag) => ASKS_NOTHING.includes(flag))) ticket.awaitingReplySince = message.createdAt;
  em.persist(ticket);
  for (const m of moving) m.ticket = ticket; // their attachments follow them
  await em.flush(); // the new ticket's number, for the events

  await addCcs(em, ticket, [...message.to, ...message.cc], new Set([...ownAddresses(ctx.notify.config), ticket.requester.email]), actor);
  const messageRows = moving.map((m) => String(m.id));
  recordEvent(em, ticket, { kind: 'created', actor, to: queue?.name ?? null, detail: { text: `split from #${source.number} by ${actor.email}` } });
  recordEvent(em, ticket, { kind: 'split-from', actor, from: String(source.number), detail: { messages: messageRows } });
  recordEvent(em, source, { kind: 'split', actor, to: String(ticket.number), detail: { messages: messageRows } });
  source.awaitingReplySince = await stillWaitingSince(ctx, source);
  source.updatedAt = new Date();
  await notify(em, { kind: 'split', ticket, message, from: source, actor }, ctx.notify);
  return { ok: true, value: ticket };
}

/** The message and the inbound mail on its ticket answering it, directly or through one another (In-Reply-To), oldest first. */
async function messageWithAnswers(ctx: TicketCommandContext, message: Message): Promise<Message[]> {
  const later = await ctx.em.find(
    Message,
    { ticket: message.ticket, direction: MessageDirection.INBOUND, id: { $gt: message.id }, inReplyTo: { $ne: null } },
    { orderBy: { id: 'asc' }, refresh: true },
  );
  const moving = [message];
  const answered = new Set(messageIdsOf([message]));
  for (const m of later) {
    if (!answered.has(m.inReplyTo!)) continue;
    moving.push(m);
    for (const id of messageIdsOf([m])) answered.add(id);
  }
  return moving;
}

/** The real Message-IDs of these messages (synthetic ones are never answered). */
function messageIdsOf(messages: readonly Message[]): string[] {
  return messages.flatMap((m) => (m.messageId && !m.messageIdSynthetic ? [m.messageId] : []));
}

/**
 * When the old ticket's oldest unanswered customer mail arrived, now that some of it moved: the
 * first inbound message after our last reply that asks for something; null when none is left (or
 * nobody was waiting before).
 */
async function stillWaitingSince(ctx: TicketCommandContext, source: Ticket): Promise<Date | null> {
  if (source.awaitingReplySince === null) return null;
  const lastReply = await ctx.em.findOne(Message, { ticket: source, direction: MessageDirection.OUTBOUND }, { fields: ['id'], orderBy: { id: 'desc' } });
  const waiting = await ctx.em.findOne(
    Message,
    { ticket: source, direction: MessageDirection.INBOUND, id: { $gt: lastReply?.id ?? 0 }, $not: { flags: { $overlap: ASKS_NOTHING } } },
    { fields: ['createdAt'], orderBy: { id: 'asc' } },
  );
  return waiting?.createdAt ?? null;
}
