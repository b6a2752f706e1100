import { Field, ObjectType } from 'type-graphql';
import type { Person } from '../../entities/index.js';

@ObjectType('Person', { simpleResolvers: true })
export class PersonType {
  @Field(() => String)
  email!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;
}

export function presentPerson(person: Person): PersonType {
  return { email: person.email, name: person.name };
}
