/** API tokens as admins see them: never the secret, except once in the creation payload. */
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { ApiToken } from '../../entities/index.js';
import { Role } from '../../entities/enums.js';
import { UserError } from './payloads.js';
import { PersonType, presentPerson } from './person.type.js';

@ObjectType('ApiToken', { simpleResolvers: true })
export class ApiTokenObject {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'The first characters of the secret, to tell tokens apart' })
  prefix!: string;

  @Field(() => Role)
  role!: Role;

  @Field(() => PersonType)
  owner!: PersonType;

  @Field(() => String, { nullable: true })
  label!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}

/** A token whose person is loaded. */
export function presentApiToken(token: ApiToken): ApiTokenObject {
  return {
    id: String(token.id),
    prefix: token.prefix,
    role: token.role,
    owner: presentPerson(token.person),
    label: token.label,
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
  };
}

@InputType('CreateApiTokenInput')
export class CreateApiTokenInput {
  @Field(() => String, { description: 'Email of an active agent; the token gets their role' })
  email!: string;

  @Field(() => String, { nullable: true })
  label?: string | null;
}

@ObjectType('ApiTokenPayload', { simpleResolvers: true })
export class ApiTokenPayload {
  @Field(() => ApiTokenObject, { nullable: true })
  token!: ApiTokenObject | null;

  @Field(() => String, { nullable: true, description: 'The secret: shown here once, never again' })
  secret!: string | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}
