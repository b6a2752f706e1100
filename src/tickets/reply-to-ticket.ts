/**
 * replyToTicket and addNote: a message written by the agent on the ticket. A reply is OUTBOUND and
 * mailed to the requester and CCs; a note is internal (NOTE) and reaches watchers only. A reply
 * gets its Message-ID now, from the same sequence and HMAC scheme as every outbound mail
 * (src/mail/headers.ts), so answers to it thread back even if the mail is never sent. Files come
 * as uploads (src/tickets/uploads.ts) and become the message's attachments in the same transaction;
 * a reply's files travel with its mail.
 */
import { Message, Person, type Ticket } from '../entities/index.js';
import type { Address } from '../entities/message.entity.js';
import { MessageDirection, TicketStatus } from '../entities/enums.js';
import { messageIdDomain, ourMessageId } from '../mail/headers.js';
import { notify } from '../outbound/notify.js';
import { nextDeliveryId } from '../outbound/outbox.js';
import { recordEvent } from './record-event.js';
import { checkText, failure, isFailure, ticketToWork, type TicketCommandContext, type TicketResult } from './ticket-command.js';
import { attachUploads, claimUploads } from './uploads.js';
import { findAssignableAgent } from './update-ticket.js';

/**
 * An agent's message on the ticket; an OUTBOUND one is addressed to the requester and CCs and gets our Message-ID.
 * @param uploads ids claimed with claimUploads: they become the message's attachments
 * @param forwardedTo a NOTE mailed to people outside the ticket (forward-ticket.ts): addressed to them, with our Message-ID
 */
export async function writeMessage(
  ctx: TicketCommandContext,
  ticket: Ticket,
  direction: MessageDirection,
  body: string,
  uploads: readonly number[] = [],
  forwardedTo: readonly Address[] = [],
): Promise<Message> {
  await ctx.em.populate(ticket, ['requester', 'ccs']);
  const message = new Message(ticket, direction);
  message.author = ctx.actor;
  message.subject = ticket.subject;
  message.bodyText = body;
  if (direction === MessageDirection.OUTBOUND) {
    const address = (p: Person) => ({ email: p.email, name: p.name });
    message.to = [address(ticket.requester)];
    message.cc = ticket.ccs.getItems().map(address);
  }
  if (forwardedTo.length > 0) message.to = [...forwardedTo];
  ctx.em.persist(message);
  ticket.updatedAt = new Date();
  if (direction === MessageDirection.OUTBOUND) {
    // A public answer: the customer no longer waits, and the first one sets the response time.
    ticket.firstResponseAt ??= message.createdAt;
    ticket.awaitingReplySince = null;
  }
  await ctx.em.flush();
  await attachUploads(ctx.em, message.id, ctx.actor.id, uploads);
  if (message.to.length > 0) {
    const domain = messageIdDomain(ctx.notify.config.supportAddress);
    message.messageId = ourMessageId(ctx.notify.secret, domain, ticket.id, await nextDeliveryId(ctx.em));
  }
  return message;
}

/** What the agent writes: the text and the ids of files uploaded for it. */
export interface AgentText {
  readonly body: string;
  readonly attachments?: readonly string[] | null;
  /**
   * The newest message of the ticket the agent had read (collision detection): when the ticket has
   * a newer one — the customer wrote again, a colleague answered or left a note — nothing is sent.
   */
  readonly lastSeenMessage?: string | null;
  /** Staff to tell about a note even if they do not watch the ticket (emails, at most MAX_MENTIONS). */
  readonly mention?: readonly string[] | null;
}

export const MAX_MENTIONS = 20;

/**
 * The people a note mentions: each an active agent who may work the ticket's queue (or an admin),
 * never the note's author (they know). Anyone else is a userError naming its index.
 */
async function mentionedPeople(ctx: TicketCommandContext, ticket: Ticket, emails: readonly string[]): Promise<Person[] | { ok: false; errors: { field: string[]; message: string }[] }> {
  if (emails.length > MAX_MENTIONS) return failure(['mention'], `at most ${MAX_MENTIONS} people`);
  const people = new Map<number, Person>();
  for (const [i, email] of emails.entries()) {
    const person = await findAssignableAgent(ctx, email, ticket.queue?.id ?? null);
    if (!person) return failure(['mention', String(i)], `${email} is not an active agent who may work ticket #${ticket.number}`);
    if (person.id !== ctx.actor.id) people.set(person.id, person);
  }
  return [...people.values()];
}

/**
 * Refuses a reply written without the ticket's newest message in view. The ticket's row is locked
 * (ticketToWork), so of two agents answering at once the second is told about the first's reply.
 */
async function checkNothingNewer(ctx: TicketCommandContext, ticket: Ticket, lastSeen: string): Promise<{ ok: false; errors: { field: string[]; message: string }[] } | null> {
  const seen = /^[1-9]\d{0,15}$/.test(lastSeen) ? Number(lastSeen) : null;
  const [row] = await ctx.em.execute<{ seen: boolean; id: number | null; direction: string | null; email: string | null; created_at: Date | null }[]>(
    `select exists (select 1 from message where id = ? and ticket_id = ?) as seen, n.id, n.direction, p.email, n.created_at
       from (select 1) one
       left join lateral (select id, direction, author_id, created_at from message where ticket_id = ? order by id desc limit 1) n on true
       left join person p on p.id = n.author_id`,
    [seen ?? 0, ticket.id, ticket.id],
  );
  if (!row?.seen) return failure(['lastSeenMessage'], `not a message of ticket #${ticket.number}`);
  if (row.id !== null && Number(row.id) !== seen) {
    const what = row.direction === MessageDirection.INBOUND ? 'mail from' : row.direction === MessageDirection.NOTE ? 'a note by' : 'a reply by';
    const who = row.email ?? 'an unknown sender';
    return failure(['lastSeenMessage'], `ticket #${ticket.number} has a newer message ${row.id}, ${what} ${who} at ${new Date(row.created_at!).toISOString()}; nothing was sent: read it, then reply again`);
  }
  return null;
}

/** The named uploads, claimed once the ticket is known to be workable. */
function claimFor(ctx: TicketCommandContext, text: AgentText) {
  return claimUploads(ctx.em, ctx.actor.id, text.attachments ?? [], ctx.notify.config, ['attachments']);
}

export async function replyToTicket(ctx: TicketCommandContext, number: number, text: AgentText): Promise<TicketResult> {
  const problem = checkText('body', text.body);
  if (problem) return { ok: false, errors: [problem] };
  const ticket = await ticketToWork(ctx, number);
  if (isFailure(ticket)) return ticket;
  if (ticket.status === TicketStatus.CLOSED) return failure(['number'], `ticket #${number} is closed: reopen it first`);
  if (ticket.status === TicketStatus.PENDING_APPROVAL) return failure(['number'], `ticket #${number} awaits approval`);
  const collision = text.lastSeenMessage != null ? await checkNothingNewer(ctx, ticket, text.lastSeenMessage) : null;
  if (collision) return collision;
  const checked = await claimFor(ctx, text);
  if (!checked.ok) return checked;
  const message = await writeMessage(ctx, ticket, MessageDirection.OUTBOUND, text.body, checked.ids);
  recordEvent(ctx.em, ticket, { kind: 'reply', actor: ctx.actor, to: String(message.id) });
  await notify(ctx.em, { kind: 'public-reply', ticket, message, actor: ctx.actor }, ctx.notify);
  return { ok: true, value: ticket };
}

export async function addNote(ctx: TicketCommandContext, number: number, text: AgentText): Promise<TicketResult> {
  const problem = checkText('body', text.body);
  if (problem) return { ok: false, errors: [problem] };
  const ticket = await ticketToWork(ctx, number);
  if (isFailure(ticket)) return ticket;
  const mentioned = await mentionedPeople(ctx, ticket, text.mention ?? []);
  if (isFailure(mentioned)) return mentioned;
  const checked = await claimFor(ctx, text);
  if (!checked.ok) return checked;
  const message = await writeMessage(ctx, ticket, MessageDirection.NOTE, text.body, checked.ids);
  const detail = mentioned.length > 0 ? { mentioned: mentioned.map((p) => p.email) } : null;
  recordEvent(ctx.em, ticket, { kind: 'note', actor: ctx.actor, to: String(message.id), detail });
  await notify(ctx.em, { kind: 'note-added', ticket, message, actor: ctx.actor, mentioned }, ctx.notify);
  return { ok: true, value: ticket };
}
