import { Person } from '../entities/index.js';
import type { Em } from '../db/orm.js';

/**
 * The person with this email (matched case-insensitively), created if unknown. A known person's
 * name is filled in when it was missing, never overwritten.
 */
export async function findOrCreatePerson(em: Em, email: string, name: string | null = null): Promise<Person> {
  const normalised = email.trim().toLowerCase();
  const existing = await em.findOne(Person, { email: normalised });
  if (existing) {
    if (existing.name === null && name) existing.name = name;
    return existing;
  }
  const person = new Person(normalised, name);
  em.persist(person);
  return person;
}
