/** Message of CONTRACT.md. `from` and `attachments` are resolved through the request's loaders. */
import { Field, ID, ObjectType } from 'type-graphql';
import type { Message } from '../../entities/index.js';
import { MessageDirection } from '../../entities/enums.js';
import { PersonType } from './person.type.js';

@ObjectType('Message')
export class MessageObject {
  @Field(() => ID)
  id!: string;

  @Field(() => MessageDirection)
  direction!: MessageDirection;

  @Field(() => [PersonType])
  to!: PersonType[];

  @Field(() => [PersonType])
  cc!: PersonType[];

  @Field(() => String, { nullable: true })
  subject!: string | null;

  @Field(() => String)
  bodyText!: string;

  /** Sanitised when stored (never the sender's raw HTML). */
  @Field(() => String, { nullable: true })
  bodyHtml!: string | null;

  @Field(() => String, { nullable: true })
  messageId!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  rowId!: number;
  authorId!: number | null;
}

export function presentMessage(message: Message): MessageObject {
  return {
    id: String(message.id),
    rowId: message.id,
    direction: message.direction,
    to: message.to.map((a) => ({ email: a.email, name: a.name })),
    cc: message.cc.map((a) => ({ email: a.email, name: a.name })),
    subject: message.subject,
    bodyText: message.bodyText,
    bodyHtml: message.bodyHtml,
    // A synthetic id is our de-duplication key, not something the sender wrote.
    messageId: message.messageIdSynthetic ? null : message.messageId,
    createdAt: message.createdAt,
    authorId: message.author?.id ?? null,
  };
}
