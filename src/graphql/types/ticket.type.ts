/** The Ticket object of CONTRACT.md; relations are resolved per request through DataLoaders. */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Priority, Satisfaction, TicketStatus, TicketType } from '../../entities/enums.js';
import type { TicketRelations } from '../loaders.js';
import { asInstance } from './as-instance.js';
import { PageInfo } from './pagination.js';
import { UserError } from './payloads.js';

@ObjectType('Ticket', { simpleResolvers: true })
export class TicketObject {
  @Field(() => ID)
  id!: string;

  @Field(() => Int)
  number!: number;

  @Field(() => String)
  subject!: string;

  @Field(() => TicketStatus)
  status!: TicketStatus;

  @Field(() => Priority)
  priority!: Priority;

  @Field(() => TicketType)
  type!: TicketType;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;

  @Field(() => Date, { nullable: true })
  closedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When support first answered publicly (a reply, or the message of a ticket opened for the customer); null until then' })
  firstResponseAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: "When the customer's oldest unanswered message arrived (not automatic mail, not a bare quote); null once support replied publicly, and on closed tickets",
  })
  awaitingReplySince!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Out of the work list until then (snoozeTicket); null when not snoozed' })
  snoozedUntil!: Date | null;

  @Field(() => Satisfaction, { nullable: true, description: "The requester's latest rating, given by mail from the closing notice's links; null until they rate" })
  satisfaction!: Satisfaction | null;

  @Field(() => Date, { nullable: true, description: 'When the requester rated' })
  satisfactionAt!: Date | null;

  // Not fields: the keys the field resolvers hand to the loaders.
  rowId!: number;
  queueId!: number | null;
  requesterId!: number;
  assigneeId!: number | null;
  categoryId!: number | null;
}

@ObjectType('TicketField', { simpleResolvers: true, description: "One of the ticket's category's fields and the ticket's value for it" })
export class TicketFieldObject {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  label!: string;

  @Field(() => String, { nullable: true, description: 'null until an agent sets it or the customer\'s mail gives it' })
  value!: string | null;
}

@ObjectType('TicketEdge', { simpleResolvers: true })
export class TicketEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => TicketObject)
  node!: TicketObject;
}

@ObjectType('TicketConnection', { simpleResolvers: true })
export class TicketConnection {
  @Field(() => [TicketEdge])
  edges!: TicketEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  /** Counted only when asked for (a field resolver calls it). */
  countTotal!: () => Promise<number>;
}

/** How many visible tickets are in each status. */
@ObjectType('TicketCounts', { simpleResolvers: true })
export class TicketCounts {
  @Field(() => Int)
  open!: number;

  @Field(() => Int)
  inProgress!: number;

  @Field(() => Int, { description: 'Tickets waiting for the customer to answer' })
  waitingForCustomer!: number;

  @Field(() => Int)
  pendingApproval!: number;

  @Field(() => Int)
  closed!: number;

  @Field(() => Int, { description: 'Every status together' })
  total!: number;

  @Field(() => Int, { description: 'Tickets not closed that nobody is assigned to' })
  unassigned!: number;

  @Field(() => Int, { description: 'Tickets whose customer waits for an answer (awaitingReplySince set)' })
  awaitingReply!: number;

  @Field(() => Int, { description: "Of those, the ones waiting longer than their priority's reply target" })
  replyOverdue!: number;
}

/** One row of the ticket table as tickets/search.ts reads it, its relations read along to prime the request's loaders. */
export interface TicketRow extends TicketRelations {
  id: number;
  number: number;
  subject: string;
  status: TicketStatus;
  priority: Priority;
  type: TicketType;
  queue_id: number | null;
  requester_id: number;
  assignee_id: number | null;
  category_id: number | null;
  created_at: Date | string;
  updated_at: Date | string;
  closed_at: Date | string | null;
  first_response_at: Date | string | null;
  awaiting_reply_since: Date | string | null;
  snoozed_until: Date | string | null;
  satisfaction: Satisfaction | null;
  satisfaction_at: Date | string | null;
}

const asDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
const asDateOrNull = (value: Date | string | null): Date | null => (value === null ? null : asDate(value));

export function presentTicketRow(row: TicketRow): TicketObject {
  return asInstance(TicketObject, {
    id: String(row.id),
    rowId: Number(row.id),
    number: Number(row.number),
    subject: row.subject,
    status: row.status,
    priority: row.priority,
    type: row.type,
    createdAt: asDate(row.created_at),
    updatedAt: asDate(row.updated_at),
    closedAt: asDateOrNull(row.closed_at),
    firstResponseAt: asDateOrNull(row.first_response_at),
    awaitingReplySince: asDateOrNull(row.awaiting_reply_since),
    snoozedUntil: asDateOrNull(row.snoozed_until),
    satisfaction: row.satisfaction,
    satisfactionAt: asDateOrNull(row.satisfaction_at),
    queueId: row.queue_id === null ? null : Number(row.queue_id),
    requesterId: Number(row.requester_id),
    assigneeId: row.assignee_id === null ? null : Number(row.assignee_id),
    categoryId: row.category_id === null ? null : Number(row.category_id),
  });
}

@ObjectType('TicketPayload', { simpleResolvers: true })
export class TicketPayload {
  @Field(() => TicketObject, { nullable: true })
  ticket!: TicketObject | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType('TicketsPayload', { simpleResolvers: true })
export class TicketsPayload {
  @Field(() => [TicketObject], { description: 'In the order asked for; empty when anything was refused (then nothing changed)' })
  tickets!: TicketObject[];

  @Field(() => [UserError])
  userErrors!: UserError[];
}
