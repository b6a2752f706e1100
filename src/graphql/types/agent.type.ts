/** Staff members (people with a role) and what an admin may change about them. */
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { Person } from '../../entities/index.js';
import { Role } from '../../entities/enums.js';
import { UserError } from './payloads.js';

@ObjectType('Agent', { simpleResolvers: true })
export class AgentObject {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  email!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => Role)
  role!: Role;

  @Field(() => Boolean, { description: 'A deactivated agent cannot sign in: their tokens stop working' })
  active!: boolean;

  @Field(() => [String], { description: 'Names of the queues they work' })
  queues!: string[];

  @Field(() => Date)
  createdAt!: Date;
}

export function presentAgent(person: Person, queues: string[]): AgentObject {
  return {
    id: String(person.id),
    email: person.email,
    name: person.name,
    role: person.role ?? Role.AGENT,
    active: person.active,
    queues,
    createdAt: person.createdAt,
  };
}

@InputType('CreateAgentInput')
export class CreateAgentInput {
  @Field(() => String)
  email!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Role)
  role!: Role;
}

@InputType('UpdateAgentInput')
export class UpdateAgentInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Role, { nullable: true })
  role?: Role | null;

  @Field(() => Boolean, { nullable: true, description: 'true reactivates a deactivated agent (their tokens work again unless revoked)' })
  active?: boolean | null;
}

@ObjectType('AgentPayload', { simpleResolvers: true })
export class AgentPayload {
  @Field(() => AgentObject, { nullable: true })
  agent!: AgentObject | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}
