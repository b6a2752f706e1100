/** Inputs of the ticket queries and mutations (names fixed by CONTRACT.md). */
import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { Priority, Satisfaction, TicketStatus, TicketType } from '../../entities/enums.js';

/** Shared by replyToTicket, addNote and createTicket. */
export const ATTACHMENTS_DESCRIPTION = 'Ids returned by POST /uploads (the file as the request body, ?filename=…): they become the message\'s attachments, mailed with a reply or a new ticket (a note\'s stay on the ticket); each upload is used once and kept 24 hours';

export enum TicketOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  /** Search rank (best first with DESC); needs `filter.search`. */
  RELEVANCE = 'RELEVANCE',
}

export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}

registerEnumType(TicketOrderField, {
  name: 'TicketOrderField',
  valuesConfig: { RELEVANCE: { description: 'Full-text rank; only with filter.search' } },
});
registerEnumType(OrderDirection, { name: 'OrderDirection' });

@InputType('TicketFieldFilter', { description: "Tickets whose value of a category field is exactly this (as stored: case counts)" })
export class TicketFieldFilter {
  @Field(() => String, { description: 'CategoryField.name' })
  name!: string;

  @Field(() => String)
  value!: string;
}

@InputType('TicketFilter')
export class TicketFilter {
  @Field(() => [TicketStatus], { nullable: true })
  status?: TicketStatus[] | null;

  @Field(() => String, { nullable: true, description: 'Queue name' })
  queue?: string | null;

  @Field(() => Priority, { nullable: true })
  priority?: Priority | null;

  @Field(() => TicketType, { nullable: true })
  type?: TicketType | null;

  @Field(() => String, { nullable: true, description: 'Category name' })
  category?: string | null;

  @Field(() => String, { nullable: true, description: 'Assignee email' })
  assignee?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true: tickets nobody is assigned to (to take with assignToMe); false: tickets someone is' })
  unassigned?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'true: tickets whose customer waits for an answer (awaitingReplySince set); false: the others' })
  awaitingReply?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'true: snoozed tickets (snoozedUntil ahead); false: the others, the work list' })
  snoozed?: boolean | null;

  @Field(() => Satisfaction, { nullable: true, description: "Tickets the requester rated so (their latest rating)" })
  satisfaction?: Satisfaction | null;

  @Field(() => Boolean, { nullable: true, description: "true: tickets whose customer has waited longer than the priority's reply target (REPLY_TARGETS); false: the others" })
  replyOverdue?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Requester email' })
  requester?: string | null;

  @Field(() => String, { nullable: true, description: "Organisation name: tickets whose requester writes from one of its domains" })
  organization?: string | null;

  @Field(() => TicketFieldFilter, { nullable: true, description: 'A category field\'s value, e.g. { name: "instanceId", value: "i-0abc" }: every ticket about that instance' })
  field?: TicketFieldFilter | null;

  @Field(() => Date, { nullable: true, description: 'Created at or after this instant' })
  createdAfter?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Created before this instant (with createdAfter: a half-open range, so consecutive ranges never count a ticket twice)' })
  createdBefore?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Changed at or after this instant (a message, a note, any update): what changed since a client last looked' })
  updatedAfter?: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'Full text over subject, every message and its author (name, email); accents and case ignored; "quoted words" match the phrase',
  })
  search?: string | null;
}

@InputType('TicketOrder')
export class TicketOrder {
  @Field(() => TicketOrderField)
  field!: TicketOrderField;

  @Field(() => OrderDirection)
  direction!: OrderDirection;
}

@InputType('TicketFieldInput', { description: "A value for one of the ticket's category's fields" })
export class TicketFieldInput {
  @Field(() => String, { description: 'CategoryField.name' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'one line, at most 500 characters; null or "" clears it' })
  value?: string | null;
}

@InputType('UpdateTicketInput')
export class UpdateTicketInput {
  @Field(() => TicketStatus, { nullable: true })
  status?: TicketStatus | null;

  @Field(() => Priority, { nullable: true })
  priority?: Priority | null;

  @Field(() => TicketType, { nullable: true })
  type?: TicketType | null;

  @Field(() => String, { nullable: true, description: 'Category name; "" removes the category' })
  category?: string | null;

  @Field(() => String, { nullable: true, description: 'Queue name' })
  queue?: string | null;

  @Field(() => String, { nullable: true, description: 'Email of an active agent; "" unassigns' })
  assignee?: string | null;

  @Field(() => [TicketFieldInput], { nullable: true, description: "Values of the category's fields (of the new category when this input changes it)" })
  fields?: TicketFieldInput[] | null;
}

@InputType('CreateTicketInput', { description: 'A ticket opened for a customer (a call, a visit): the body is mailed to them with the ticket number' })
export class CreateTicketInput {
  @Field(() => String, { description: "The customer's email address" })
  requester!: string;

  @Field(() => String, { nullable: true })
  requesterName?: string | null;

  @Field(() => String)
  subject!: string;

  @Field(() => String, { description: 'The first message: mailed to the requester and CCs, who answer it by mail' })
  body!: string;

  @Field(() => String, { nullable: true, description: 'Queue name: agents name one of their queues; admins may leave it out (DEFAULT_QUEUE)' })
  queue?: string | null;

  @Field(() => [String], { nullable: true, description: 'Email addresses copied on the correspondence (at most 50)' })
  ccs?: string[] | null;

  @Field(() => Priority, { nullable: true })
  priority?: Priority | null;

  @Field(() => TicketType, { nullable: true })
  type?: TicketType | null;

  @Field(() => [ID], { nullable: true, description: ATTACHMENTS_DESCRIPTION })
  attachments?: string[] | null;
}

@InputType('ForwardTicketInput', { description: 'A question about the ticket to people outside it (a supplier, another team): their answer comes back as mail on the ticket, flagged third-party, never quoted to the customer' })
export class ForwardTicketInput {
  @Field(() => [String], { description: 'Email addresses, at most 10; not the requester, a CC or an address of postdesk' })
  to!: string[];

  @Field(() => String, { description: "The agent's words above the forwarded message" })
  body!: string;

  @Field(() => ID, { nullable: true, description: "The message of the ticket to forward; default the customer's latest (automatic mail aside), else the first" })
  message?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true, description: "Whether the forwarded message's files go along (not its inline images)" })
  includeFiles?: boolean | null;

  @Field(() => [ID], { nullable: true, description: ATTACHMENTS_DESCRIPTION })
  attachments?: string[] | null;
}
