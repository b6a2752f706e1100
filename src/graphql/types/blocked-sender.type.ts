/** GraphQL shapes of blocked senders (src/people/blocked-senders.ts). */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { BlockedSender } from '../../entities/index.js';
import { PageInfo } from './pagination.js';
import { PersonType, presentPerson } from './person.type.js';

@ObjectType('BlockedSender', {
  simpleResolvers: true,
  description: 'An address or a whole mail domain whose mail is quarantined as SENDER_BLOCKED (kept, retryable), never a ticket',
})
export class BlockedSenderType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: '`spam@example.com` (that address) or `@example.com` (that domain exactly, not its subdomains)' })
  pattern!: string;

  @Field(() => String, { nullable: true })
  note!: string | null;

  @Field(() => PersonType, { nullable: true, description: 'The admin who blocked it' })
  createdBy!: PersonType | null;

  @Field(() => Date)
  createdAt!: Date;
}

export function presentBlockedSender(blocked: BlockedSender): BlockedSenderType {
  return {
    id: String(blocked.id),
    pattern: blocked.pattern,
    note: blocked.note,
    createdBy: blocked.createdBy ? presentPerson(blocked.createdBy) : null,
    createdAt: blocked.createdAt,
  };
}

@ObjectType('BlockedSenderEdge', { simpleResolvers: true })
export class BlockedSenderEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => BlockedSenderType)
  node!: BlockedSenderType;
}

@ObjectType('BlockedSenderConnection', { simpleResolvers: true })
export class BlockedSenderConnection {
  @Field(() => [BlockedSenderEdge])
  edges!: BlockedSenderEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}
