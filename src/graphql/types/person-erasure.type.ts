/** GraphQL shape of erasePerson's answer (src/people/erase-person.ts). */
import { Field, Int, ObjectType } from 'type-graphql';
import type { ErasureCounts } from '../../people/erase-person.js';

@ObjectType('PersonErasure', { simpleResolvers: true, description: 'What erasePerson removed (or, in a dry run, would remove)' })
export class PersonErasureType implements ErasureCounts {
  @Field(() => Boolean, { description: 'true: nothing was changed; the counts say what a real run would do' })
  dryRun!: boolean;

  @Field(() => Int, { description: 'Tickets they requested, deleted with everything on them' })
  ticketsDeleted!: number;

  @Field(() => Int, { description: 'Messages on those tickets (theirs and everyone else’s)' })
  messagesDeleted!: number;

  @Field(() => Int, { description: 'Messages they wrote on other tickets: kept in the thread, emptied (flag "erased")' })
  messagesErased!: number;

  @Field(() => Int, { description: "Other people's messages that named them (To, Cc, or their address in the text): the address removed, the raw source dropped" })
  messagesScrubbed!: number;

  @Field(() => Int)
  attachmentsDeleted!: number;

  @Field(() => Int, { description: 'Stored raw sources (the original bytes) of those messages and of quarantined mail they sent' })
  rawSourcesDeleted!: number;

  @Field(() => Int, { description: 'Quarantined mail they sent' })
  quarantinedDeleted!: number;

  @Field(() => Int, { description: 'Outbound mail to them or about their tickets, and copies of mail sent on other tickets since they wrote there (which may quote them)' })
  deliveriesDeleted!: number;


  @Field(() => Int, { description: 'History entries on other tickets that named them: the address replaced by [erased]' })
  eventsScrubbed!: number;
}
