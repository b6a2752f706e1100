/** GraphQL shapes of saved replies (src/tickets/saved-replies.ts). */
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { SavedReply } from '../../entities/index.js';

@ObjectType('SavedReply', { simpleResolvers: true, description: 'Text agents start a reply from, with placeholders such as {{requester.greeting}}' })
export class SavedReplyType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'with its placeholders; Ticket.savedReplies gives it filled in' })
  body!: string;

  @Field(() => String, { nullable: true, description: "the queue whose tickets offer it; null: every queue's" })
  queue!: string | null;

  @Field(() => Date)
  updatedAt!: Date;
}

export function presentSavedReply(reply: SavedReply): SavedReplyType {
  return { id: String(reply.id), name: reply.name, body: reply.body, queue: reply.queue?.name ?? null, updatedAt: reply.updatedAt };
}

@ObjectType('SavedReplyText', { simpleResolvers: true, description: "A saved reply filled in for one ticket and the agent asking: ready to edit and send with replyToTicket (the queue's signature is added then)" })
export class SavedReplyTextType {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  text!: string;
}

@InputType('SavedReplyInput')
export class SavedReplyInput {
  @Field(() => String, { nullable: true, description: 'required when creating; at most 100 characters, unique' })
  name?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'required when creating; placeholders: {{ticket.number}}, {{ticket.tag}}, {{ticket.subject}}, {{ticket.queue}}, {{requester.name}}, {{requester.email}}, {{requester.greeting}}, {{agent.name}}, {{agent.email}}',
  })
  body?: string | null;

  @Field(() => String, { nullable: true, description: "only this queue's tickets offer it; \"\" for every queue; left out: unchanged (every queue when creating)" })
  queue?: string | null;
}
