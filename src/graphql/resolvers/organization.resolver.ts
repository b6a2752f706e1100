/**
 * Customer organisations (src/people/organizations.ts): ADMIN only. Invalid input is a
 * BAD_USER_INPUT error naming the problem and its input path; nothing is stored then.
 */
import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../../entities/enums.js';
import { createOrganization, deleteOrganization, listOrganizations, updateOrganization } from '../../people/organizations.js';
import type { GraphQLContext } from '../context.js';
import { OrganizationInput, OrganizationType, presentOrganization } from '../types/organization.type.js';
import { write } from './routing.resolver.js';

@Authorized(Role.ADMIN)
@Resolver()
export class OrganizationResolver {
  @Query(() => [OrganizationType], { description: 'All customer organisations, by name' })
  async organizations(@Ctx() { em }: GraphQLContext): Promise<OrganizationType[]> {
    return (await listOrganizations(em)).map(presentOrganization);
  }

  @Mutation(() => OrganizationType)
  async createOrganization(@Arg('input', () => OrganizationInput) input: OrganizationInput, @Ctx() ctx: GraphQLContext): Promise<OrganizationType> {
    return presentOrganization(await write(ctx, (em, actor) => createOrganization(em, input, actor)));
  }

  @Mutation(() => OrganizationType, { description: 'Changes the name and/or replaces the domains' })
  async updateOrganization(
    @Arg('name', () => String) name: string,
    @Arg('input', () => OrganizationInput) input: OrganizationInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrganizationType> {
    return presentOrganization(await write(ctx, (em, actor) => updateOrganization(em, name, input, actor)));
  }

  @Mutation(() => OrganizationType, { description: 'Its people become strangers to each other\'s tickets again; tickets are kept' })
  async deleteOrganization(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Promise<OrganizationType> {
    return presentOrganization(await write(ctx, (em, actor) => deleteOrganization(em, name, actor)));
  }
}
