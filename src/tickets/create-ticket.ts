/**
 * createTicket: a ticket an agent opens on a customer's behalf (a phone call, a walk-in, a chat).
 *
 * The agent's text is the ticket's first message, OUTBOUND to the requester and CCs: the customer
 * gets it by mail with the ticket number (template `ticket-opened`) and answers it like any of our
 * mails, which threads back by its Message-ID. No routing rules run, since the agent chose the
 * queue: an agent names one of their queues, an admin any queue or none (DEFAULT_QUEUE). The
 * queue's default assignee takes it, as with mail. Queue watchers and the new-ticket webhook hear
 * of it as of any new ticket; an URGENT INCIDENT pages on-call first. Uploaded files named in
 * `attachments` go with the first mail.
 */
import { Person, Queue, Ticket } from '../entities/index.js';
import { MessageDirection, type Priority, type TicketType } from '../entities/enums.js';
import { findVisibleQueue } from '../graphql/ticket-access.js';
import { isOwnAddress, loadOwnAddresses } from '../ingest/own-addresses.js';
import { MAX_CCS } from '../ingest/people.js';
import { notify } from '../outbound/notify.js';
import { emailAddress } from '../people/email-address.js';
import { findOrCreatePerson, normalisedEmail } from '../people/find-or-create-person.js';
import type { FieldError } from '../queues/create-queue.js';
import { pageIfBecameEmergency } from './mark-emergency.js';
import { recordEvent } from './record-event.js';
import { writeMessage } from './reply-to-ticket.js';
import { checkText, type TicketCommandContext, type TicketResult } from './ticket-command.js';
import { claimUploads } from './uploads.js';

export interface CreateTicketFields {
  /** The customer's email address. */
  requester: string;
  requesterName?: string | null;
  subject: string;
  /** The first message, mailed to the requester and CCs. */
  body: string;
  /** Queue name; admins may leave it out (DEFAULT_QUEUE). */
  queue?: string | null;
  ccs?: string[] | null;
  priority?: Priority | null;
  type?: TicketType | null;
  /** Ids of the agent's uploads (POST /uploads): files mailed with the first message. */
  attachments?: string[] | null;
}

const MAX_SUBJECT_CHARS = 998;
const MAX_NAME_CHARS = 200;
const emailSchema = emailAddress();

export async function createTicket(ctx: TicketCommandContext, input: CreateTicketFields): Promise<TicketResult> {
  const errors: FieldError[] = [];
  const own = await loadOwnAddresses(ctx.em, ctx.notify.config);
  const address = (value: string, field: (string | number)[]): string | null => {
    const email = normalisedEmail(value);
    const invalid = emailSchema.safeParse(email).error?.issues[0]?.message ?? (isOwnAddress(email, own) ? 'is one of postdesk\'s own addresses' : null);
    if (invalid) errors.push({ field: ['input', ...field.map(String)], message: invalid });
    return invalid ? null : email;
  };
  const requester = address(input.requester, ['requester']);
  const ccs = (input.ccs ?? []).map((cc, i) => address(cc, ['ccs', i]));
  if (ccs.length > MAX_CCS) errors.push({ field: ['input', 'ccs'], message: `at most ${MAX_CCS} CCs` });
  for (const [field, value, max] of [['subject', input.subject, MAX_SUBJECT_CHARS], ['body', input.body, undefined]] as const) {
    const problem = checkText(field, value, max);
    if (problem) errors.push({ field: ['input', field], message: problem.message });
  }
  if ((input.requesterName?.length ?? 0) > MAX_NAME_CHARS) errors.push({ field: ['input', 'requesterName'], message: `must be at most ${MAX_NAME_CHARS} characters` });
  const queue = await chooseQueue(ctx, input.queue?.trim() || null, errors);
  const uploads = await claimUploads(ctx.em, ctx.actor.id, input.attachments ?? [], ctx.notify.config, ['input', 'attachments']);
  if (!uploads.ok) errors.push(...uploads.errors);
  if (errors.length > 0 || !requester || !queue || !uploads.ok) return { ok: false, errors };

  const person = await findOrCreatePerson(ctx.em, requester, input.requesterName?.trim() || null);
  const ticket = new Ticket(input.subject.trim(), person);
  ticket.queue = queue;
  if (input.priority) ticket.priority = input.priority;
  if (input.type) ticket.type = input.type;
  const assignee = queue.defaultAssignee ? await ctx.em.findOne(Person, { id: queue.defaultAssignee.id, role: { $ne: null }, active: true }) : null;
  if (assignee) ticket.assignee = assignee;
  for (const cc of new Set(ccs)) if (cc && cc !== requester) ticket.ccs.add(await findOrCreatePerson(ctx.em, cc));
  ctx.em.persist(ticket);
  await ctx.em.flush();
  recordEvent(ctx.em, ticket, { kind: 'created', actor: ctx.actor, to: queue.name, detail: { text: `opened by ${ctx.actor.email} for ${requester}` } });
  if (assignee) recordEvent(ctx.em, ticket, { kind: 'assignee', actorLabel: `queue:${queue.name}`, to: assignee.email, detail: { text: `queue ${queue.name} assigns new tickets to ${assignee.email}` } });
  const message = await writeMessage(ctx, ticket, MessageDirection.OUTBOUND, input.body, uploads.ids);
  await pageIfBecameEmergency(ctx, ticket, false, message); // pages first, as for emergency mail
  await notify(ctx.em, { kind: 'ticket-opened', ticket, message, actor: ctx.actor }, ctx.notify);
  return { ok: true, value: ticket };
}

/** The named queue (agents: one they work, else FORBIDDEN), or DEFAULT_QUEUE for an admin who names none. */
async function chooseQueue(ctx: TicketCommandContext, name: string | null, errors: FieldError[]): Promise<Queue | null> {
  if (name === null && !ctx.scope.admin) {
    errors.push({ field: ['input', 'queue'], message: 'name one of your queues' });
    return null;
  }
  const queue = name === null ? await ctx.em.findOne(Queue, { name: ctx.notify.config.defaultQueue }) : await findVisibleQueue(ctx.em, ctx.scope, name);
  if (!queue) errors.push({ field: ['input', 'queue'], message: `no queue named "${name ?? ctx.notify.config.defaultQueue}"` });
  return queue;
}
