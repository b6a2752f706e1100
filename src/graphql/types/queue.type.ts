import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { Queue } from '../../entities/index.js';
import type { QueueHours } from '../../queues/queue-hours.js';
import { PersonType, presentPerson } from './person.type.js';

@ObjectType('Queue', { simpleResolvers: true })
export class QueueType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  emailAddress!: string | null;

  @Field(() => [String])
  keywords!: string[];

  @Field(() => PersonType, { nullable: true })
  defaultAssignee!: PersonType | null;

  @Field(() => [PersonType])
  agents!: PersonType[];

  @Field(() => [PersonType])
  watchers!: PersonType[];

  @Field(() => PersonType, { nullable: true, description: "may approve or reject this queue's PENDING_APPROVAL tickets, besides admins and the category's approver" })
  approver!: PersonType | null;

  @Field(() => Int, { nullable: true, description: "Its tickets are closed this many days after creation, 0 never; null: the desk's AUTO_CLOSE_DAYS" })
  autoCloseDays!: number | null;

  @Field(() => String, { nullable: true, description: "Where escalateTicket mails this queue's tickets; null: the desk's ESCALATION_ADDRESS" })
  escalationAddress!: string | null;

  @Field(() => String, { nullable: true, description: "Ends agents' replies about this queue's tickets; null: the default (the agent's name and the desk's)" })
  signature!: string | null;

  @Field(() => String, { nullable: true, description: "A paragraph of the queue's own in the acknowledgement of its new tickets; null: none" })
  acknowledgementNote!: string | null;

  @Field(() => String, { nullable: true, description: "The language (a BCP 47 tag such as de or pt-BR) mail about this queue's tickets is written in to people whose own language is not known; null: the desk's default templates" })
  language!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The queue's own opening times for reply targets, in BUSINESS_HOURS form (Mon-Fri 09:00-17:00); \"always\": around the clock; null: the desk's BUSINESS_HOURS",
  })
  businessHours!: string | null;

  @Field(() => String, { nullable: true, description: "The time zone of the queue's opening times and holidays; null: the desk's BUSINESS_TIMEZONE" })
  businessTimezone!: string | null;

  @Field(() => [String], { nullable: true, description: "The dates (YYYY-MM-DD) the queue is closed; null: the desk's BUSINESS_HOLIDAYS" })
  businessHolidays!: string[] | null;
}

/** A queue's own opening times as the API shows them. */
export const presentQueueHours = (hours: QueueHours): Pick<QueueType, 'businessHours' | 'businessTimezone' | 'businessHolidays'> => ({
  businessHours: hours.businessHours,
  businessTimezone: hours.businessTimezone,
  businessHolidays: hours.businessHolidays === null ? null : [...hours.businessHolidays],
});

/**
 * The settings createQueue and updateQueue both take (queue-settings.ts); inherited: the type
 * itself is in no field, so not in the schema.
 */
@InputType('QueueSettingsInput')
abstract class QueueSettingsInput {
  @Field(() => Int, { nullable: true, description: 'Close tickets this many days after creation; 0 never' })
  autoCloseDays?: number | null;

  @Field(() => String, { nullable: true, description: 'Where escalateTicket sends the ticket; "" removes' })
  escalationAddress?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Ends agents' replies (replyToTicket, createTicket) about this queue's tickets, at most 2,000 characters over several lines; {{actor.name}}, {{actor.email}}, {{support.name}}, {{support.address}}, {{ticket.number}} and {{ticket.queue}} are filled in; \"\" goes back to the default",
  })
  signature?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'A paragraph the acknowledgement of this queue\'s new tickets adds after its first (opening hours, what to send along, a number for urgent matters), at most 2,000 characters over several lines, plain text; "" removes it',
  })
  acknowledgementNote?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The language (a BCP 47 tag: de, fr, pt-BR) of mail about this queue\'s tickets to people whose own language is not known, from TEMPLATES_DIR/<language>/; "" goes back to the desk\'s default templates',
  })
  language?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Opening times reply targets count in for this queue: BUSINESS_HOURS form (Mon-Fri 09:00-17:00), "always" for around the clock, "" for the desk\'s',
  })
  businessHours?: string | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone of the queue\'s opening times and holidays (Asia/Tokyo); "" for the desk\'s' })
  businessTimezone?: string | null;

  @Field(() => String, { nullable: true, description: 'Dates the queue is closed, BUSINESS_HOLIDAYS form (2026-12-25, 2026-12-26); "none"; "" for the desk\'s' })
  businessHolidays?: string | null;
}

@InputType('CreateQueueInput')
export class CreateQueueInput extends QueueSettingsInput {
  @Field(() => String)
  name!: string;

  @Field(() => [String], { nullable: true })
  keywords?: string[] | null;

  @Field(() => String, { nullable: true })
  emailAddress?: string | null;

  /** Email of an agent. */
  @Field(() => String, { nullable: true })
  defaultAssignee?: string | null;

  @Field(() => String, { nullable: true, description: "Email of an active agent who may approve the queue's tickets" })
  approver?: string | null;
}

/** A queue whose agents, watchers, default assignee and approver are loaded. */
export function presentQueue(queue: Queue): QueueType {
  return {
    id: String(queue.id),
    name: queue.name,
    emailAddress: queue.emailAddress,
    keywords: [...queue.keywords],
    defaultAssignee: queue.defaultAssignee ? presentPerson(queue.defaultAssignee) : null,
    agents: queue.agents.getItems().map(presentPerson),
    watchers: queue.watchers.getItems().map(presentPerson),
    approver: queue.approver ? presentPerson(queue.approver) : null,
    autoCloseDays: queue.autoCloseDays,
    escalationAddress: queue.escalationAddress,
    signature: queue.signature,
    acknowledgementNote: queue.acknowledgementNote,
    language: queue.language,
    ...presentQueueHours(queue),
  };
}

@InputType('UpdateQueueInput')
export class UpdateQueueInput extends QueueSettingsInput {
  @Field(() => String, { nullable: true, description: 'A new name' })
  name?: string | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the keywords' })
  keywords?: string[] | null;

  @Field(() => String, { nullable: true, description: '"" removes the address' })
  emailAddress?: string | null;

  @Field(() => String, { nullable: true, description: 'Email of an active agent; "" removes' })
  defaultAssignee?: string | null;

  @Field(() => String, { nullable: true, description: 'Email of an active agent who may approve the queue\'s tickets; "" removes' })
  approver?: string | null;
}
