/** GraphQL shapes of customer organisations (src/people/organizations.ts). */
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { Organization } from '../../entities/index.js';

@ObjectType('Organization', {
  simpleResolvers: true,
  description: "A customer organisation: people writing from its domains may post to each other's tickets by [#N] tag, like CCs",
})
export class OrganizationType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'lower-case mail domains, matched exactly (sub.example.com is not example.com)' })
  domains!: string[];

  @Field(() => Date)
  createdAt!: Date;
}

export function presentOrganization(organization: Organization): OrganizationType {
  return { id: String(organization.id), name: organization.name, domains: [...organization.domains], createdAt: organization.createdAt };
}

@InputType('OrganizationInput')
export class OrganizationInput {
  @Field(() => String, { nullable: true, description: 'required when creating' })
  name?: string | null;

  @Field(() => [String], { nullable: true, description: 'replaces the list: at most 50 mail domains, each in one organisation only' })
  domains?: string[] | null;
}
