/**
 * updateTicket: status, priority, type, category (by name), queue (by name), assignee (by email),
 * and values of the category's fields (category-fields.ts).
 * Everything is checked before anything changes; each change is one event with old → new.
 * Agents may move a ticket only to another queue they work (ticket-access.ts decides). A disabled
 * category is refused with BAD_USER_INPUT (a ticket that already has it keeps it). A change that
 * makes the ticket an URGENT INCIDENT pages on-call, as emergency mail does.
 */
import { Category, Person, type Ticket } from '../entities/index.js';
import { Priority, Role, TicketStatus, TicketType } from '../entities/enums.js';
import { AppError } from '../errors.js';
import { findVisibleQueue } from '../graphql/ticket-access.js';
import { isEmergencyTicket } from '../outbound/ingest-notifications.js';
import type { FieldError } from '../queues/create-queue.js';
import { checkFieldValues, setFieldValue, type FieldValueInput } from './category-fields.js';
import { changeStatus } from './change-status.js';
import { pageIfBecameEmergency } from './mark-emergency.js';
import { notify } from '../outbound/notify.js';
import { recordEvent } from './record-event.js';
import { isFailure, ticketToWork, type TicketCommandContext, type TicketResult } from './ticket-command.js';

export interface UpdateTicketData {
  status?: TicketStatus | null;
  priority?: Priority | null;
  type?: TicketType | null;
  /** '' removes the category. */
  category?: string | null;
  queue?: string | null;
  /** '' unassigns. */
  assignee?: string | null;
  /** Values of the fields of the category the ticket has after this update. */
  fields?: readonly FieldValueInput[] | null;
}

/** An active staff member who may work tickets of this queue (admins work every queue). */
export async function findAssignableAgent(ctx: TicketCommandContext, email: string, queueId: number | null): Promise<Person | null> {
  const person = await ctx.em.findOne(Person, { email: email.trim().toLowerCase(), role: { $ne: null }, active: true });
  if (!person) return null;
  if (person.role === Role.ADMIN) return person;
  if (queueId === null) return null;
  const rows = await ctx.em.execute<{ n: string }[]>(`select count(*) as n from queue_agent where queue_id = ? and person_id = ?`, [queueId, person.id]);
  return Number(rows[0]?.n) > 0 ? person : null;
}

export async function updateTicket(ctx: TicketCommandContext, number: number, input: UpdateTicketData): Promise<TicketResult> {
  const found = await ticketToWork(ctx, number);
  if (isFailure(found)) return found;
  const ticket: Ticket = found;
  const errors: FieldError[] = [];

  if (input.status != null) {
    if (input.status === TicketStatus.PENDING_APPROVAL && ticket.status !== TicketStatus.PENDING_APPROVAL) {
      errors.push({ field: ['input', 'status'], message: 'a ticket enters PENDING_APPROVAL only through its category' });
    } else if (ticket.status === TicketStatus.PENDING_APPROVAL && input.status !== TicketStatus.PENDING_APPROVAL) {
      errors.push({ field: ['input', 'status'], message: 'the ticket awaits approval: use approveTicket or rejectTicket' });
    }
  }
  let category: Category | null | undefined;
  if (input.category === '') category = null;
  else if (input.category != null) {
    category = await ctx.em.findOne(Category, { name: input.category.trim() });
    if (!category) errors.push({ field: ['input', 'category'], message: `no category named "${input.category}"` });
    else if (!category.enabled && category.id !== ticket.category?.id) {
      throw new AppError('BAD_USER_INPUT', `category "${category.name}" is disabled`, 'user', ['input', 'category']);
    }
  }
  const queue = input.queue != null ? await findVisibleQueue(ctx.em, ctx.scope, input.queue.trim()) : undefined;
  if (input.queue != null && !queue) errors.push({ field: ['input', 'queue'], message: `no queue named "${input.queue}"` });
  let assignee: Person | null | undefined;
  if (input.assignee === '') assignee = null;
  else if (input.assignee != null) {
    const targetQueueId = queue ? queue.id : (ticket.queue?.id ?? null);
    assignee = await findAssignableAgent(ctx, input.assignee, targetQueueId);
    if (!assignee) errors.push({ field: ['input', 'assignee'], message: `${input.assignee} is not an active agent of the ticket's queue` });
  }
  let fieldValues = new Map<string, string | null>();
  if (input.fields?.length) {
    const finalCategory = category !== undefined ? category : ticket.category ? await ctx.em.findOneOrFail(Category, ticket.category.id) : null;
    fieldValues = checkFieldValues(finalCategory, input.fields, errors);
  }
  if (errors.length > 0) return { ok: false, errors };

  const { em, actor } = ctx;
  const wasEmergency = isEmergencyTicket(ticket);
  if (input.priority != null && input.priority !== ticket.priority) {
    recordEvent(em, ticket, { kind: 'priority', actor, from: ticket.priority, to: input.priority });
    ticket.priority = input.priority;
  }
  if (input.type != null && input.type !== ticket.type) {
    recordEvent(em, ticket, { kind: 'type', actor, from: ticket.type, to: input.type });
    ticket.type = input.type;
  }
  if (category !== undefined && category?.id !== ticket.category?.id) {
    const before = ticket.category ? (await em.findOneOrFail(Category, ticket.category.id)).name : null;
    recordEvent(em, ticket, { kind: 'category', actor, from: before, to: category?.name ?? null });
    ticket.category = category;
  }
  for (const [name, value] of fieldValues) setFieldValue(em, ticket, name, value, actor);
  if (queue && queue.id !== ticket.queue?.id) {
    const before = ticket.queue ? (await em.populate(ticket, ['queue']), ticket.queue!.name) : null;
    recordEvent(em, ticket, { kind: 'queue', actor, from: before, to: queue.name });
    ticket.queue = queue;
  }
  let newlyAssigned: Person | null = null;
  if (assignee !== undefined && assignee?.id !== ticket.assignee?.id) {
    const before = ticket.assignee ? (await em.findOneOrFail(Person, ticket.assignee.id)).email : null;
    recordEvent(em, ticket, { kind: 'assignee', actor, from: before, to: assignee?.email ?? null });
    ticket.assignee = assignee;
    newlyAssigned = assignee;
  }
  if (input.status != null) await changeStatus(ctx, ticket, input.status);
  ticket.updatedAt = new Date();
  await em.flush();
  await pageIfBecameEmergency(ctx, ticket, wasEmergency);
  // Someone else gave it to them: they hear of it (taking it yourself needs no mail).
  if (newlyAssigned && newlyAssigned.id !== actor.id) await notify(em, { kind: 'assigned', ticket, actor }, ctx.notify);
  return { ok: true, value: ticket };
}

