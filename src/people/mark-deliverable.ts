/**
 * Staff clear an address's undeliverable mark (set by a permanent bounce, src/outbound/deliver.ts
 * and ingest's bounce notes): the customer says on the phone that their mailbox works again, and
 * acknowledgements and status mail should reach them before they next write (which clears it too,
 * ingest-message.ts). An admin event with the actor and when the mark was set.
 */
import type { Em } from '../db/orm.js';
import { Person } from '../entities/index.js';
import { badInput } from '../routing/manage-rules.js';
import { recordEvent } from '../tickets/record-event.js';

/** @returns the person, deliverable; BAD_USER_INPUT when postdesk knows no one by that address */
export async function markDeliverable(em: Em, email: string, actor: Person): Promise<Person> {
  const person = await em.findOne(Person, { email: email.trim().toLowerCase() });
  if (!person) throw badInput([{ field: ['email'], message: `no one with the address ${email.trim()} is known` }]);
  if (person.undeliverableSince) {
    recordEvent(em, null, { kind: 'person-deliverable', actor, from: person.undeliverableSince.toISOString(), to: person.email });
    person.undeliverableSince = null;
    await em.flush();
  }
  return person;
}
