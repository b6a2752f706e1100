import { Person } from '../entities/index.js';
import type { Em } from '../db/orm.js';

/** The length of person.name. */
const NAME_CHARS = 200;

/** How person.email is stored: trimmed, lower case. */
export function normalisedEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The person with this email (matched case-insensitively), created if unknown. A known person's
 * name is filled in when it was missing, never overwritten.
 */
export async function findOrCreatePerson(em: Em, email: string, given: string | null = null): Promise<Person> {
  const normalised = normalisedEmail(email);
  // person.name is varchar(200) (in characters): a longer display name (10,000 nested comments, TESTPLAN M5) must not fail the ingest.
  const name = given === null ? null : Array.from(given).slice(0, NAME_CHARS).join('');
  const existing = await em.findOne(Person, { email: normalised });
  if (existing) {
    if (existing.name === null && name) existing.name = name;
    return existing;
  }
  const person = new Person(normalised, name);
  em.persist(person);
  return person;
}
