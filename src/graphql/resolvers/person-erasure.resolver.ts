/**
 * erasePerson (src/people/erase-person.ts): ADMIN only. An unknown address is NOT_FOUND and staff
 * are BAD_USER_INPUT, each naming the `email` input; nothing is changed then.
 */
import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { Role } from '../../entities/enums.js';
import { erasePerson } from '../../people/erase-person.js';
import type { GraphQLContext } from '../context.js';
import { PersonErasureType } from '../types/person-erasure.type.js';

@Authorized(Role.ADMIN)
@Resolver()
export class PersonErasureResolver {
  @Mutation(() => PersonErasureType, {
    description:
      'Forgets a customer (a request to be forgotten): deletes the tickets they requested, empties what they wrote elsewhere, deletes the raw mail, quarantined mail and outbound mail that hold them, and removes their address from other tickets. Cannot be undone: try dryRun first',
  })
  async erasePerson(
    @Arg('email', () => String) email: string,
    @Arg('dryRun', () => Boolean, { defaultValue: false, description: 'true: count what would go, change nothing' }) dryRun: boolean,
    @Ctx() { orm, principal }: GraphQLContext,
  ): Promise<PersonErasureType> {
    return { dryRun, ...(await erasePerson(orm, { email, dryRun }, principal.personId)) };
  }
}
