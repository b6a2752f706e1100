/**
 * Saved replies (canned responses): the answers agents give again and again ("How to reset your
 * password", "We need your invoice number"), kept once by an admin, for every queue or for one.
 * A client reads them filled in for a ticket (`Ticket.savedReplies`), lets the agent edit the
 * text, and sends it with replyToTicket like any reply: the queue's signature is added then, so a
 * saved reply carries none.
 *
 * Placeholders are the template syntax (outbound/templates.ts) over a small fixed set of values
 * (SAVED_REPLY_PLACEHOLDERS); one naming anything else is refused when the reply is saved, since
 * it would print nothing in front of a customer. Problems are BAD_USER_INPUT naming the field.
 */
import { lockKeys } from '../db/advisory-locks.js';
import type { Em } from '../db/orm.js';
import { Queue, SavedReply, type Person } from '../entities/index.js';
import { AppError } from '../errors.js';
import type { TicketScope } from '../graphql/ticket-access.js';
import { fill, unknownPlaceholders, type TemplateVariables } from '../outbound/templates.js';
import { badInput, checkUniqueName } from '../routing/manage-rules.js';
import type { Problem } from '../routing/rule-definition.js';
import { recordEvent } from './record-event.js';
import { MAX_BODY_LENGTH } from './ticket-command.js';

export interface SavedReplyInput {
  name?: string | null;
  body?: string | null;
  /** A queue's name: only its tickets offer the reply. '' makes it offered for every queue again. */
  queue?: string | null;
}

/** What a saved reply may say about the ticket it answers, and who answers. */
export interface SavedReplyContext {
  ticket: { number: number; subject: string; queue: string };
  requester: { email: string; name: string | null };
  agent: { email: string; name: string | null };
}

/** Every placeholder a saved reply may use, for the error message and the README. */
export const SAVED_REPLY_PLACEHOLDERS = [
  'ticket.number',
  'ticket.tag',
  'ticket.subject',
  'ticket.queue',
  'requester.name',
  'requester.email',
  'requester.greeting',
  'agent.name',
  'agent.email',
] as const;

function variables(ctx: SavedReplyContext): TemplateVariables {
  const { ticket, requester, agent } = ctx;
  return {
    ticket: { number: ticket.number, tag: `[#${ticket.number}]`, subject: ticket.subject, queue: ticket.queue },
    requester: { name: requester.name ?? '', email: requester.email, greeting: requester.name ?? requester.email },
    agent: { name: agent.name ?? agent.email, email: agent.email },
  };
}

/** The reply's text for this ticket and agent. */
export function fillSavedReply(body: string, ctx: SavedReplyContext): string {
  return fill(body, variables(ctx));
}

const SAMPLE: SavedReplyContext = { ticket: { number: 1, subject: 's', queue: 'q' }, requester: { email: 'r@x', name: 'r' }, agent: { email: 'a@x', name: 'a' } };

/** Saved replies for agents of these queues and every queue's (admins: all), by name. */
export function listSavedReplies(em: Em, scope: TicketScope): Promise<SavedReply[]> {
  const visible = scope.admin ? {} : { $or: [{ queue: null }, { queue: { $in: [...scope.queueIds] } }] };
  return em.find(SavedReply, visible, { populate: ['queue'], orderBy: { name: 'asc' } });
}

/** Saved-reply commands take turns, so two admins cannot save one name twice. */
function lockSavedReplies(em: Em): Promise<void> {
  return lockKeys(em, ['saved-replies']);
}

async function checkInput(em: Em, input: SavedReplyInput, current: SavedReply | null): Promise<{ name: string; body: string; queueName: string | null }> {
  const problems: Problem[] = [];
  const name = await checkUniqueName(input.name, current, async (n) => (await em.count(SavedReply, { name: n })) > 0, 'a saved reply', problems);
  const body = (input.body ?? current?.body ?? '').replace(/\r\n?/g, '\n');
  if (body.trim().length === 0) problems.push({ field: ['body'], message: 'must not be blank' });
  else if (body.length > MAX_BODY_LENGTH) problems.push({ field: ['body'], message: `must be at most ${MAX_BODY_LENGTH} characters` });
  else if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(body)) problems.push({ field: ['body'], message: 'must not contain control characters other than tabs and line breaks' });
  else {
    const unknown = unknownPlaceholders(body, variables(SAMPLE));
    if (unknown.length > 0) problems.push({ field: ['body'], message: `unknown placeholder ${unknown.map((p) => `{{${p}}}`).join(', ')}: use ${SAVED_REPLY_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}` });
  }
  if (problems.length > 0) throw badInput(problems);
  const queueName = input.queue === undefined || input.queue === null ? (current?.queue?.name ?? null) : input.queue.trim() || null;
  return { name, body, queueName };
}

async function queueNamed(em: Em, name: string | null): Promise<Queue | null> {
  if (name === null) return null;
  const queue = await em.findOne(Queue, { name });
  if (!queue) throw badInput([{ field: ['queue'], message: `no queue named "${name}"` }]);
  return queue;
}

export async function createSavedReply(em: Em, input: SavedReplyInput, actor: Person): Promise<SavedReply> {
  await lockSavedReplies(em);
  const { name, body, queueName } = await checkInput(em, input, null);
  const reply = new SavedReply(name, body);
  reply.queue = await queueNamed(em, queueName);
  em.persist(reply);
  recordEvent(em, null, { kind: 'saved-reply-created', actor, to: name, detail: { queue: queueName } });
  await em.flush();
  return reply;
}

export async function updateSavedReply(em: Em, currentName: string, input: SavedReplyInput, actor: Person): Promise<SavedReply> {
  await lockSavedReplies(em);
  const reply = await findSavedReply(em, currentName);
  const { name, body, queueName } = await checkInput(em, input, reply);
  const queue = await queueNamed(em, queueName);
  recordEvent(em, null, {
    kind: 'saved-reply-updated',
    actor,
    from: currentName,
    to: name,
    detail: { bodyChanged: body !== reply.body, queue: { from: reply.queue?.name ?? null, to: queueName } },
  });
  reply.name = name;
  reply.body = body;
  reply.queue = queue;
  await em.flush();
  return reply;
}

export async function deleteSavedReply(em: Em, name: string, actor: Person): Promise<SavedReply> {
  await lockSavedReplies(em);
  const reply = await findSavedReply(em, name);
  em.remove(reply);
  recordEvent(em, null, { kind: 'saved-reply-deleted', actor, from: name });
  await em.flush();
  return reply;
}

async function findSavedReply(em: Em, name: string): Promise<SavedReply> {
  const reply = await em.findOne(SavedReply, { name }, { populate: ['queue'] });
  if (!reply) throw new AppError('NOT_FOUND', `no saved reply named "${name}"`, 'user', ['name']);
  return reply;
}
