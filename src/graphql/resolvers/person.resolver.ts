/**
 * What agents may see of anyone a ticket names: the language mail to them is written in and
 * whether their address bounced, each read only when a query selects it (one statement for all
 * the people of a response); and clearing a bounced address's mark.
 */
import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Role } from '../../entities/enums.js';
import { markDeliverable } from '../../people/mark-deliverable.js';
import type { GraphQLContext } from '../context.js';
import { PersonType, presentPerson } from '../types/person.type.js';
import { write } from './routing.resolver.js';

@Authorized(Role.AGENT)
@Resolver(() => PersonType)
export class PersonResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: 'The language (a BCP 47 tag) of mail to them: learned from their mail or set by staff; null: their ticket\'s queue\'s, else the desk\'s default',
  })
  async language(@Root() person: PersonType, @Ctx() { loaders }: GraphQLContext): Promise<string | null> {
    return (await loaders.personMail.load(person.email))?.language ?? null;
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description:
      'When mail to this address last bounced permanently: acknowledgements and status mail are not sent to it (agent replies are, with a delivery-warning event) until their own mail shows it works again or someone calls markDeliverable; null: deliverable',
  })
  async undeliverableSince(@Root() person: PersonType, @Ctx() { loaders }: GraphQLContext): Promise<Date | null> {
    return (await loaders.personMail.load(person.email))?.undeliverableSince ?? null;
  }

  @Mutation(() => PersonType, {
    description: "Clears an address's undeliverable mark (its owner says their mailbox works again): automatic mail reaches them again. An admin event",
  })
  async markDeliverable(@Arg('email', () => String) email: string, @Ctx() ctx: GraphQLContext): Promise<PersonType> {
    return presentPerson(await write(ctx, (em, actor) => markDeliverable(em, email, actor)));
  }
}
