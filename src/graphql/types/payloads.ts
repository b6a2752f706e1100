import { Field, ObjectType } from 'type-graphql';
import { QueueType } from './queue.type.js';

/** A validation failure the client can show next to the input field it concerns. */
@ObjectType('UserError', { simpleResolvers: true })
export class UserError {
  @Field(() => [String])
  field!: string[];

  @Field(() => String)
  message!: string;
}

@ObjectType('QueuePayload', { simpleResolvers: true })
export class QueuePayload {
  @Field(() => QueueType, { nullable: true })
  queue!: QueueType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}
