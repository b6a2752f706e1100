/**
 * forwardTicket: an agent asks someone outside the ticket about it — the supplier whose part
 * failed, the network team, a specialist — as Zammad, FreeScout and Request Tracker let them. The
 * agent's words and one message of the ticket (the customer's latest, unless another is named)
 * go to the named addresses, with that message's files; it is kept as a note (`to` names whom it
 * went to, flag `forward`) with our Message-ID, so the answer threads back onto the ticket. A
 * second forward to the same people continues their conversation (third-party.ts).
 *
 * The people it goes to are not CCs: they never get public replies, the customer never sees their
 * addresses, and their answer is third-party mail (ingest/apply-reply.ts): stored and mailed to
 * the agents who asked, the assignee and the watchers, but not quoted to the customer and not
 * counted as the customer writing. So the requester and the CCs cannot be forwarded to (answer them with replyToTicket),
 * nor postdesk's own addresses (the mail would come back as a new ticket).
 */
import { arrayLiteral } from '../db/sql-values.js';
import { Message, type Ticket } from '../entities/index.js';
import { MessageDirection } from '../entities/enums.js';
import type { Address } from '../entities/message.entity.js';
import { formatLimit } from '../ingest/parse/attachments.js';
import { isOwnAddress, loadOwnAddresses } from '../ingest/own-addresses.js';
import { messageFiles } from '../outbound/message-files.js';
import { notify } from '../outbound/notify.js';
import { emailAddress } from '../people/email-address.js';
import type { FieldError } from '../queues/create-queue.js';
import { recordEvent } from './record-event.js';
import { writeMessage } from './reply-to-ticket.js';
import { checkText, failure, isFailure, ticketToWork, type TicketCommandContext, type TicketResult } from './ticket-command.js';
import { FORWARD_FLAG, THIRD_PARTY_FLAG } from './third-party.js';
import { claimUploads } from './uploads.js';

/** Addresses one forward may name: a few people asked about one ticket, not a mailing. */
export const MAX_FORWARD_RECIPIENTS = 10;

export interface ForwardInput {
  /** Whom to ask: email addresses. */
  readonly to: readonly string[];
  /** The agent's words above the forwarded message. */
  readonly body: string;
  /** The message to forward; default the customer's latest (automatic mail aside), else the ticket's first. */
  readonly message?: string | null;
  /** Whether the forwarded message's files travel with it (default true). */
  readonly includeFiles?: boolean | null;
  /** Uploads (src/tickets/uploads.ts) the agent adds. */
  readonly attachments?: readonly string[] | null;
}

const emailSchema = emailAddress();

export async function forwardTicket(ctx: TicketCommandContext, number: number, input: ForwardInput): Promise<TicketResult> {
  const problem = checkText('body', input.body);
  if (problem) return { ok: false, errors: [{ ...problem, field: ['input', 'body'] }] };
  const recipients = checkedRecipients(input.to);
  if (isFailure(recipients)) return recipients;
  const ticket = await ticketToWork(ctx, number);
  if (isFailure(ticket)) return ticket;
  const refused = await notOutsiders(ctx, ticket, recipients);
  if (refused) return refused;
  const forwarded = await messageToForward(ctx, ticket, input.message ?? null);
  if (isFailure(forwarded)) return forwarded;
  const files = input.includeFiles === false ? [] : await messageFiles(ctx.em, forwarded.id, false);
  const carried = files.reduce((sum, file) => sum + file.size, 0);
  const max = ctx.notify.config.outbound.maxAttachmentBytes;
  if (carried > max) {
    return failure(['input', 'includeFiles'], `message ${forwarded.id}'s files are ${formatLimit(carried)}, more than the ${formatLimit(max)} one mail may carry (OUTBOUND_MAX_ATTACHMENTS_MB): forward with includeFiles: false and share them another way`);
  }
  const uploads = await claimUploads(ctx.em, ctx.actor.id, input.attachments ?? [], ctx.notify.config, ['input', 'attachments'], carried);
  if (!uploads.ok) return uploads;

  const note = await writeMessage(ctx, ticket, MessageDirection.NOTE, input.body, uploads.ids, recipients);
  note.flags = [FORWARD_FLAG];
  recordEvent(ctx.em, ticket, { kind: 'forwarded', actor: ctx.actor, to: recipients.map((r) => r.email).join(', '), detail: { note: note.id, message: forwarded.id } });
  await notify(ctx.em, { kind: 'forwarded', ticket, message: note, forwarded, forwardedFiles: files, actor: ctx.actor }, ctx.notify);
  return { ok: true, value: ticket };
}

/** The addresses, lower-cased, de-duplicated, each a valid address; 1 to MAX_FORWARD_RECIPIENTS. */
function checkedRecipients(to: readonly string[]): Address[] | { ok: false; errors: FieldError[] } {
  if (to.length === 0) return failure(['input', 'to'], 'name at least one address');
  if (to.length > MAX_FORWARD_RECIPIENTS) return failure(['input', 'to'], `at most ${MAX_FORWARD_RECIPIENTS} addresses`);
  const errors: FieldError[] = [];
  const emails = to.map((raw, i) => {
    const email = raw.trim().toLowerCase();
    const invalid = emailSchema.safeParse(email).error?.issues[0];
    if (invalid) errors.push({ field: ['input', 'to', String(i)], message: invalid.message });
    return email;
  });
  if (errors.length > 0) return { ok: false, errors };
  return [...new Set(emails)].map((email) => ({ email, name: null }));
}

/** A userError for an address that is the requester, a CC or one of postdesk's own; null when all are outsiders. */
async function notOutsiders(ctx: TicketCommandContext, ticket: Ticket, recipients: readonly Address[]): Promise<{ ok: false; errors: FieldError[] } | null> {
  await ctx.em.populate(ticket, ['requester', 'ccs']);
  const own = await loadOwnAddresses(ctx.em, ctx.notify.config);
  const ccs = new Set(ticket.ccs.getItems().map((p) => p.email));
  for (const { email } of recipients) {
    const role = email === ticket.requester.email ? 'the requester' : ccs.has(email) ? 'a CC' : null;
    if (role) return failure(['input', 'to'], `${email} is ${role} of ticket #${ticket.number}: answer them with replyToTicket`);
    if (isOwnAddress(email, own)) return failure(['input', 'to'], `${email} is postdesk's own address: the mail would come back as a ticket`);
  }
  return null;
}

async function messageToForward(ctx: TicketCommandContext, ticket: Ticket, named: string | null): Promise<Message | { ok: false; errors: FieldError[] }> {
  if (named !== null) {
    const id = /^[1-9]\d{0,9}$/.test(named) ? Number(named) : 0;
    const message = id > 0 ? await ctx.em.findOne(Message, { id, ticket }, { populate: ['author'] }) : null;
    return message ?? failure(['input', 'message'], `not a message of ticket #${ticket.number}`);
  }
  const [row] = await ctx.em.execute<{ id: number }[]>(
    `select id from (select id, direction = 'INBOUND' and not (flags && ?::text[]) as customer from message where ticket_id = ? and direction <> 'NOTE') m
      order by customer desc, case when customer then -id else id end limit 1`,
    [arrayLiteral(['automatic', THIRD_PARTY_FLAG]), ticket.id],
  );
  const message = row ? await ctx.em.findOne(Message, Number(row.id), { populate: ['author'] }) : null;
  return message ?? failure(['number'], `ticket #${ticket.number} has no message to forward`);
}
