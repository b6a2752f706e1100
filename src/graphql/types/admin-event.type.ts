import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { PageInfo } from './pagination.js';
import { TicketEventObject } from './ticket-event.type.js';

@InputType('AdminEventFilter')
export class AdminEventFilter {
  @Field(() => [String], { nullable: true, description: 'e.g. ["token-created", "token-revoked", "agent-role"]' })
  kind?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Email of the person who made the change' })
  actor?: string | null;

  @Field(() => Date, { nullable: true, description: 'At or after this instant' })
  since?: Date | null;
}

@ObjectType('AdminEventEdge', { simpleResolvers: true })
export class AdminEventEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => TicketEventObject)
  node!: TicketEventObject;
}

@ObjectType('AdminEventConnection', { simpleResolvers: true })
export class AdminEventConnection {
  @Field(() => [AdminEventEdge])
  edges!: AdminEventEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}
