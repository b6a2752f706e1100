/** GraphQL shapes of ticketStats (src/tickets/stats.ts). */
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType('TicketFigures', { simpleResolvers: true })
export class TicketFiguresType {
  @Field(() => Int, { description: 'Tickets created in the window' })
  created!: number;

  @Field(() => Int, { description: 'Tickets closed in the window (and still closed)' })
  closed!: number;

  @Field(() => Int, { description: "Of the tickets created in the window by a customer's mail, those support has answered publicly" })
  answered!: number;

  @Field(() => Float, { nullable: true, description: 'Median seconds from such a ticket\'s creation to its first public answer; null when none was answered' })
  firstResponseMedianSeconds!: number | null;

  @Field(() => Float, { nullable: true, description: '90th percentile of the same' })
  firstResponseP90Seconds!: number | null;

  @Field(() => Int, { description: "First answers within the priority's reply target (REPLY_TARGETS)" })
  replyTargetMet!: number;

  @Field(() => Int, { description: 'First answers after the target, and open tickets still unanswered past it' })
  replyTargetMissed!: number;

  @Field(() => Int, { description: 'Tickets their requester rated GOOD in the window (their latest rating), by mail from the closing notice' })
  ratedGood!: number;

  @Field(() => Int, { description: 'Tickets their requester rated BAD in the window (their latest rating)' })
  ratedBad!: number;
}

@ObjectType('QueueTicketFigures', { simpleResolvers: true })
export class QueueTicketFiguresType {
  @Field(() => String, { nullable: true, description: 'The queue’s name; null for tickets in no queue' })
  queue!: string | null;

  @Field(() => TicketFiguresType)
  figures!: TicketFiguresType;
}

@ObjectType('TicketStats', { simpleResolvers: true })
export class TicketStatsType {
  @Field(() => Date)
  since!: Date;

  @Field(() => Date)
  until!: Date;

  @Field(() => TicketFiguresType, { description: 'Every visible ticket (of the queue, when one is named)' })
  all!: TicketFiguresType;

  @Field(() => [QueueTicketFiguresType], { description: 'Per queue with anything to count, by name' })
  byQueue!: QueueTicketFiguresType[];
}
